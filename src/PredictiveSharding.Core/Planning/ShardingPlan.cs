namespace PredictiveSharding.Planning;

/// <summary>A planner's answer: what to split, at which keys, and where each shard goes, each action with its reason.</summary>
public sealed record ShardingPlan
{
    /// <summary>Creates a plan.</summary>
    public ShardingPlan(bool feasible, IReadOnlyList<ShardingAction> actions, UtilizationSummary before, UtilizationSummary after, long movedBytes, TimeSpan planTime)
    {
        ArgumentNullException.ThrowIfNull(actions);
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(after);
        Guard.NonNegative(movedBytes, nameof(movedBytes));
        Feasible = feasible;
        Actions = actions;
        Before = before;
        After = after;
        MovedBytes = movedBytes;
        PlanTime = planTime;
    }

    /// <summary>
    /// False when the planner can show that no placement keeps the predicted load under the thresholds (a placement-free
    /// lower bound over 1: total load over total allowance, or one partition alone on its best node; CP-SAT also by a
    /// proven optimum of the peak alone with no budget, cap or cooldown); the plan is then the best found. True is not
    /// a promise that such a placement exists: with whole partitions the bound can miss a packing that does not fit.
    /// </summary>
    public bool Feasible { get; }

    /// <summary>When infeasible, by how much: the share by which predicted load exceeds what the thresholds allow (0 when feasible).</summary>
    public double Shortfall { get; init; }

    /// <summary>The actions, in the order to carry them out (splits before the moves of their shards).</summary>
    public IReadOnlyList<ShardingAction> Actions { get; }

    /// <summary>Predicted peak utilisation with no action.</summary>
    public UtilizationSummary Before { get; }

    /// <summary>Predicted peak utilisation after the plan.</summary>
    public UtilizationSummary After { get; }

    /// <summary>Bytes the plan moves.</summary>
    public long MovedBytes { get; }

    /// <summary>How long planning took.</summary>
    public TimeSpan PlanTime { get; }

    /// <summary>
    /// True when the planner's search was cut short by a time limit before it converged, ran out of generations or
    /// proved its placement optimal: the plan is the best found so far. Under a wall-clock limit it depends on the
    /// machine's speed and load, so the same request may plan differently elsewhere; a host that sees it often should
    /// raise the limit. False for planners that do not search.
    /// </summary>
    public bool StoppedAtTimeLimit { get; init; }

    /// <summary>Notes on what the plan could not do (e.g. a single key hotter than a node can carry).</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];
}
