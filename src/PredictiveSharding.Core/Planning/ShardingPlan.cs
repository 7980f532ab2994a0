namespace PredictiveSharding.Planning;

/// <summary>A planner's answer: what to split, at which keys, and where each shard goes, each action with its reason.</summary>
public sealed record ShardingPlan
{
    private readonly IReadOnlyList<string> _warnings = [];

    /// <summary>Creates a plan. The actions are copied, so changing the caller's list afterwards does not change the plan.</summary>
    /// <exception cref="ArgumentException">An action is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="movedBytes"/> is negative.</exception>
    public ShardingPlan(bool feasible, IReadOnlyList<ShardingAction> actions, UtilizationSummary before, UtilizationSummary after, long movedBytes, TimeSpan planTime)
    {
        ArgumentNullException.ThrowIfNull(actions);
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(after);
        Guard.NonNegative(movedBytes, nameof(movedBytes));

        // Checked and kept as a read-only copy: the executor, the control loop's cooldowns and the logs all read one plan,
        // and the planner's own list (or a cast back to it) could change under them. A null action failed in the executor
        // as a NullReferenceException naming nothing.
        var copy = new ShardingAction[actions.Count];
        for (var i = 0; i < copy.Length; i++)
        {
            copy[i] = actions[i] ?? throw new ArgumentException(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"A plan's action must not be null; actions[{i}] is."), nameof(actions));
        }

        Feasible = feasible;
        Actions = Array.AsReadOnly(copy);
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

    /// <summary>Notes on what the plan could not do (e.g. a single key hotter than a node can carry). The list given is copied.</summary>
    /// <exception cref="ArgumentNullException">Set to null; give an empty list when there is nothing to note.</exception>
    public IReadOnlyList<string> Warnings
    {
        get => _warnings;
        init => _warnings = Array.AsReadOnly((value ?? throw new ArgumentNullException(nameof(Warnings), "A plan's Warnings must be a list (empty when there is nothing to note); got null.")).ToArray());
    }

    /// <summary>True when <paramref name="other"/> has the same figures, the same actions in the same order and the same warnings.</summary>
    /// <remarks>The actions and warnings compare element by element: a record compares its lists by reference.</remarks>
    public bool Equals(ShardingPlan? other) =>
        ReferenceEquals(this, other)
        || (other is not null
            && Feasible == other.Feasible
            && Shortfall.Equals(other.Shortfall)
            && Before == other.Before
            && After == other.After
            && MovedBytes == other.MovedBytes
            && PlanTime == other.PlanTime
            && StoppedAtTimeLimit == other.StoppedAtTimeLimit
            && Actions.SequenceEqual(other.Actions)
            && Warnings.SequenceEqual(other.Warnings, StringComparer.Ordinal));

    /// <inheritdoc />
    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.Add(Feasible);
        hash.Add(Shortfall);
        hash.Add(Before);
        hash.Add(After);
        hash.Add(MovedBytes);
        hash.Add(PlanTime);
        hash.Add(StoppedAtTimeLimit);
        foreach (var action in Actions)
        {
            hash.Add(action);
        }

        foreach (var warning in Warnings)
        {
            hash.Add(warning, StringComparer.Ordinal);
        }

        return hash.ToHashCode();
    }
}
