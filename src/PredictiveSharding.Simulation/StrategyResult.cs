namespace PredictiveSharding.Simulation;

/// <summary>What one strategy achieved on the trace after the warm-up.</summary>
public sealed class StrategyResult
{
    private readonly float[] _utilization;

    private readonly IReadOnlyList<string> _warnings = Array.Empty<string>().AsReadOnly();

    internal StrategyResult(string name, string setting, int nodes, float[] utilization)
    {
        Name = name;
        Setting = setting;
        Nodes = nodes;
        _utilization = utilization;
    }

    /// <summary>The strategy (<see cref="StrategyNames"/>).</summary>
    public string Name { get; }

    /// <summary>The setting it ran with (for <c>reactive</c>, the grid's winner).</summary>
    public string Setting { get; }

    /// <summary>Node-steps with load above capacity.</summary>
    public long OverloadedNodeSteps { get; init; }

    /// <summary>Overloaded node-steps × the step length in minutes.</summary>
    public double OverloadNodeMinutes { get; init; }

    /// <summary>
    /// Of <see cref="OverloadedNodeSteps"/>, those whose requests alone were within capacity: the copy load of the
    /// strategy's running moves (<see cref="SimulationOptions.MoveOverheadShare"/>) put the node over, so the strategy's
    /// own moves caused them.
    /// </summary>
    public long MoveOverloadedNodeSteps { get; init; }

    /// <summary><see cref="MoveOverloadedNodeSteps"/> × the step length in minutes.</summary>
    public double MoveOverloadNodeMinutes { get; init; }

    /// <summary>Share of the requests served by a node that was overloaded at that step, in [0, 1].</summary>
    public double OverloadedRequestShare { get; init; }

    /// <summary>The 99th percentile (nearest rank) of node utilisation (load, move overhead included, over capacity) over node-steps.</summary>
    public double P99Utilization { get; init; }

    /// <summary>Splits made.</summary>
    public int Splits { get; init; }

    /// <summary>Moves started.</summary>
    public int Moves { get; init; }

    /// <summary>Bytes of the moves started.</summary>
    public long BytesMoved { get; init; }

    /// <summary>Seconds spent training, fine-tuning and forecasting.</summary>
    public double ForecastSeconds { get; init; }

    /// <summary>Seconds spent deciding splits and moves.</summary>
    public double PlanSeconds { get; init; }

    /// <summary><see cref="ForecastSeconds"/> + <see cref="PlanSeconds"/>.</summary>
    public double ComputeSeconds => ForecastSeconds + PlanSeconds;

    /// <summary>Notes on what the strategy could not do (actions that no longer applied, a forecaster that could not train yet).</summary>
    /// <exception cref="ArgumentNullException">Set to null.</exception>
    public IReadOnlyList<string> Warnings
    {
        get => _warnings;

        // A read-only copy: the planner's own list would let a caller cast it back and change it, and later warnings of
        // the replay showed through.
        init => _warnings = (value ?? throw new ArgumentNullException(nameof(Warnings))).ToArray().AsReadOnly();
    }

    /// <summary>Plans made (0 for the strategies that do not plan).</summary>
    public long Plans { get; init; }

    /// <summary>
    /// Plans whose search the planner's time limit cut short (<see cref="Planning.ShardingPlan.StoppedAtTimeLimit"/>): when above
    /// 0 the strategy's figures depend on the machine's speed and load, and another machine may not reproduce them.
    /// </summary>
    public long PlansStoppedAtTimeLimit { get; init; }

    /// <summary>Nodes of the cluster.</summary>
    public int Nodes { get; }

    /// <summary>Steps of the trace (warm-up included).</summary>
    public int Steps => _utilization.Length / Nodes;

    /// <summary>The same result under another name (the published reactive setting when the grid already ran it), and setting when given.</summary>
    internal StrategyResult Renamed(string name, string? setting = null) => new(name, setting ?? Setting, Nodes, _utilization)
    {
        OverloadedNodeSteps = OverloadedNodeSteps,
        OverloadNodeMinutes = OverloadNodeMinutes,
        MoveOverloadedNodeSteps = MoveOverloadedNodeSteps,
        MoveOverloadNodeMinutes = MoveOverloadNodeMinutes,
        OverloadedRequestShare = OverloadedRequestShare,
        P99Utilization = P99Utilization,
        Splits = Splits,
        Moves = Moves,
        BytesMoved = BytesMoved,
        ForecastSeconds = ForecastSeconds,
        PlanSeconds = PlanSeconds,
        Warnings = Warnings,
        Plans = Plans,
        PlansStoppedAtTimeLimit = PlansStoppedAtTimeLimit,
    };

    /// <summary>A node's utilisation (load over capacity) at a step of the trace, warm-up included.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Step or node out of range.</exception>
    public double UtilizationAt(int step, int node)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(step);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(step, Steps);
        ArgumentOutOfRangeException.ThrowIfNegative(node);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(node, Nodes);
        return _utilization[(step * Nodes) + node];
    }
}
