using PredictiveSharding.Simulation;

namespace PredictiveSharding.Cli.Commands;

/// <summary>The arguments of <c>psharding simulate</c>, before they become <see cref="SimulationOptions"/>.</summary>
internal sealed class SimulateSettings
{
    // The flags' defaults are the library's, read from one default instance so that the two cannot drift apart.
    private static readonly SimulationOptions Defaults = new();

    /// <summary>The trace file; null runs the embedded default.</summary>
    public string? Trace { get; init; }

    /// <summary>Aggregate the trace to this step (seconds) while reading; null infers the file's step.</summary>
    public int? StepSeconds { get; init; }

    /// <summary>Keys each trace key stands for; null is 1 for a file and <see cref="EmbeddedKeyFanout"/> for the embedded trace.</summary>
    public int? KeyFanout { get; init; }

    /// <summary>
    /// The embedded trace's fan-out: one Azure function carries 63% of all invocations (three nodes' worth), which as one key
    /// would overload its node at every step whatever a strategy does; as 16 keys (rows of that function) it is a range a
    /// strategy can split and spread.
    /// </summary>
    public const int EmbeddedKeyFanout = 16;

    public int Nodes { get; init; } = Defaults.Nodes;

    public double Headroom { get; init; } = Defaults.Headroom;

    public double? NodeCapacity { get; init; }

    public int? Partitions { get; init; }

    public double Warmup { get; init; } = Defaults.WarmupFraction;

    public IReadOnlyList<string> Strategies { get; init; } = StrategyNames.All;

    public int Seed { get; init; } = Defaults.Seed;

    public long BytesPerKey { get; init; } = Defaults.BytesPerKey;

    public double? MoveBandwidth { get; init; }

    public double MoveOverhead { get; init; } = Defaults.MoveOverheadShare;

    public int Horizon { get; init; } = Defaults.HorizonSteps;

    public int PlanEvery { get; init; } = Defaults.PlanEverySteps;

    public string? Plot { get; init; }

    /// <summary>Where <c>--utilization-csv</c> writes every node's utilisation per step and strategy; null: not written.</summary>
    public string? UtilizationCsv { get; init; }

    /// <summary><see cref="SimulationOptions.PlanningQuantile"/> (the planned strategies' forecast quantile; default 0.5).</summary>
    public double PlanningQuantile { get; init; } = Defaults.PlanningQuantile;

    /// <summary><see cref="SimulationOptions.PlannerUtilizationThreshold"/> (the planned strategies' threshold; default 0.9).</summary>
    public double UtilizationThreshold { get; init; } = Defaults.PlannerUtilizationThreshold;

    /// <summary><see cref="SimulationOptions.MoveCostWeight"/> (the predictive planner's move cost; default 2).</summary>
    public double MoveCost { get; init; } = Defaults.MoveCostWeight;

    /// <summary><see cref="SimulationOptions.BreachSumWeight"/> (the planned strategies' weight of every node's breach; default 0).</summary>
    public double BreachSumWeight { get; init; } = Defaults.BreachSumWeight;

    /// <summary><see cref="SimulationOptions.IsolationWeight"/> (the planned strategies' weight of a breach beside a shard that fills a node; default 2).</summary>
    public double IsolationWeight { get; init; } = Defaults.IsolationWeight;

    /// <summary><see cref="SimulationOptions.OverflowSpreadWeight"/> (the planned strategies' preference for spreading overflow over piling it on one node; default 0.05).</summary>
    public double OverflowSpreadWeight { get; init; } = Defaults.OverflowSpreadWeight;

    /// <summary><see cref="SimulationOptions.PerMoveCost"/> (the planned strategies' cost of each move on top of its bytes; default 0).</summary>
    public double PerMoveCost { get; init; } = Defaults.PerMoveCost;

    /// <summary><see cref="SimulationOptions.MeasuredSplitShare"/> (load-based splits under the planned strategies; default 0.03, the published QPS thresholds' mapping).</summary>
    public double MeasuredSplitShare { get; init; } = Defaults.MeasuredSplitShare;

    /// <summary><see cref="SimulationOptions.ReactiveByteBudget"/> (the predictive strategy's bytes against those of reactive at the published QPS threshold, 0.03 × capacity; default 1, 0 lifts the cap).</summary>
    public double ReactiveByteBudget { get; init; } = Defaults.ReactiveByteBudget;

    /// <summary><see cref="SimulationOptions.BurstAwareSplits"/> (burst bounds and pre-splitting; default on, off with --no-burst-aware).</summary>
    public bool BurstAware { get; init; } = true;

    /// <summary><see cref="SimulationOptions.BurstLevelSteps"/> (the steps whose median the burst bound grows from; default 1).</summary>
    public int BurstLevelSteps { get; init; } = Defaults.BurstLevelSteps;

    /// <summary><see cref="SimulationOptions.BurstBoundSingleKeys"/> (burst bounds on one-key partitions too; default on, off with --no-single-key-burst-bound).</summary>
    public bool BurstBoundSingleKeys { get; init; } = true;

    /// <summary><see cref="SimulationOptions.LevelShiftSteps"/> (the steps a partition's load must stay above its forecast before the forecast follows it; 0 is off).</summary>
    public int LevelShiftSteps { get; init; } = Defaults.LevelShiftSteps;

    /// <summary><see cref="SimulationOptions.GrowthFromInitialRanges"/> (the burst bound learns growth from the initial key ranges too; default on, off with --no-initial-range-growth).</summary>
    public bool GrowthFromInitialRanges { get; init; } = true;

    /// <summary><see cref="SimulationOptions.StoreRebalanceBetweenPlans"/> (the database's store rebalancer runs while the plan moves nothing; default off, on with --store-rebalance).</summary>
    public bool StoreRebalanceBetweenPlans { get; init; }

    /// <summary><see cref="SimulationOptions.SingleKeyNeighbourCorrelation"/> (which one-key partitions keep the burst bound; default 0.9).</summary>
    public double SingleKeyNeighbourCorrelation { get; init; } = Defaults.SingleKeyNeighbourCorrelation;

    /// <summary><see cref="SimulationOptions.PlannerModelsMoveOverhead"/> (the planners charge a move's copy overhead; default off, on with --planned-move-overhead).</summary>
    public bool PlannerModelsMoveOverhead { get; init; }

    /// <summary><see cref="SimulationOptions.SeasonalFloor"/> (median floors from periods longer than the context; default on, off with --no-seasonal-floor).</summary>
    public bool SeasonalFloor { get; init; } = true;

    /// <summary>The simulation options; <see cref="SimulationOptions.Validate"/> names a bad one.</summary>
    public SimulationOptions ToOptions() => new()
    {
        Nodes = Nodes,
        KeyFanout = KeyFanout ?? (Trace is null ? EmbeddedKeyFanout : 1),
        Headroom = Headroom,
        NodeCapacity = NodeCapacity,
        Partitions = Partitions,
        WarmupFraction = Warmup,
        Strategies = Strategies,
        Seed = Seed,
        BytesPerKey = BytesPerKey,
        MoveBandwidthBytesPerStep = MoveBandwidth,
        MoveOverheadShare = MoveOverhead,
        HorizonSteps = Horizon,
        PlanEverySteps = PlanEvery,
        MoveCostWeight = MoveCost,
        BreachSumWeight = BreachSumWeight,
        IsolationWeight = IsolationWeight,
        OverflowSpreadWeight = OverflowSpreadWeight,
        PerMoveCost = PerMoveCost,
        MeasuredSplitShare = MeasuredSplitShare,
        ReactiveByteBudget = ReactiveByteBudget,
        PlanningQuantile = PlanningQuantile,
        PlannerUtilizationThreshold = UtilizationThreshold,
        BurstAwareSplits = BurstAware,
        BurstLevelSteps = BurstLevelSteps,
        LevelShiftSteps = LevelShiftSteps,
        BurstBoundSingleKeys = BurstBoundSingleKeys,
        GrowthFromInitialRanges = GrowthFromInitialRanges,
        StoreRebalanceBetweenPlans = StoreRebalanceBetweenPlans,
        SingleKeyNeighbourCorrelation = SingleKeyNeighbourCorrelation,
        SeasonalFloor = SeasonalFloor,
        PlannerModelsMoveOverhead = PlannerModelsMoveOverhead,
    };

    /// <summary>The command-line flag of a <see cref="SimulationOptions"/> property, for error messages.</summary>
    public static string FlagOf(string? option) => option switch
    {
        nameof(SimulationOptions.Nodes) => "--nodes",
        nameof(SimulationOptions.Headroom) => "--headroom",
        nameof(SimulationOptions.NodeCapacity) => "--node-capacity",
        nameof(SimulationOptions.Partitions) => "--partitions",
        nameof(SimulationOptions.WarmupFraction) => "--warmup",
        nameof(SimulationOptions.Strategies) => "--strategies",
        nameof(SimulationOptions.BytesPerKey) => "--bytes-per-key",
        nameof(SimulationOptions.KeyFanout) => "--key-fanout",
        nameof(SimulationOptions.MoveBandwidthBytesPerStep) => "--move-bandwidth",
        nameof(SimulationOptions.MoveOverheadShare) => "--move-overhead",
        nameof(SimulationOptions.HorizonSteps) => "--horizon",
        nameof(SimulationOptions.PlanEverySteps) => "--plan-every",
        nameof(SimulationOptions.MoveCostWeight) => "--move-cost",
        nameof(SimulationOptions.BreachSumWeight) => "--breach-sum-weight",
        nameof(SimulationOptions.IsolationWeight) => "--isolation-weight",
        nameof(SimulationOptions.OverflowSpreadWeight) => "--overflow-spread-weight",
        nameof(SimulationOptions.PerMoveCost) => "--per-move-cost",
        nameof(SimulationOptions.MeasuredSplitShare) => "--measured-split-share",
        nameof(SimulationOptions.ReactiveByteBudget) => "--reactive-byte-budget",
        nameof(SimulationOptions.PlanningQuantile) => "--planning-quantile",
        nameof(SimulationOptions.PlannerUtilizationThreshold) => "--utilization-threshold",
        nameof(SimulationOptions.BurstLevelSteps) => "--burst-level-steps",
        nameof(SimulationOptions.LevelShiftSteps) => "--level-shift-steps",
        nameof(SimulationOptions.SingleKeyNeighbourCorrelation) => "--single-key-correlation",
        _ => string.Empty,
    };
}
