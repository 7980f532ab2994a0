using System.Globalization;

namespace PredictiveSharding.Simulation;

/// <summary>
/// How a trace is replayed: the cluster (nodes, capacity, initial partitions, sizes, move bandwidth and cost), the
/// warm-up, the strategies to compare and their shared knobs. Every strategy sees the same cluster and the same limits.
/// </summary>
public sealed class SimulationOptions
{
    /// <summary>Nodes in the cluster. Default 8; at least 1.</summary>
    public int Nodes { get; set; } = SimulationDefaults.Nodes;

    /// <summary>
    /// Sizing headroom in (0, 1]: each node's capacity is the trace's peak total load per step / (nodes × headroom), so a
    /// perfectly balanced cluster carries the peak at this utilisation and overload comes only from imbalance. Default 0.8.
    /// </summary>
    public double Headroom { get; set; } = SimulationDefaults.Headroom;

    /// <summary>A node's capacity in requests per trace step; overrides the sizing by <see cref="Headroom"/>. Null (default) sizes it; otherwise positive.</summary>
    public double? NodeCapacity { get; set; }

    /// <summary>Initial partitions: contiguous ranges of the sorted keys with equal key counts, placed round-robin. Null (default) is 4 × <see cref="Nodes"/>, capped at the key count; otherwise at least 1.</summary>
    public int? Partitions { get; set; }

    /// <summary>
    /// Keys each trace key stands for: each becomes a range of this many keys sharing its requests equally, so a hot series
    /// (a function, an article) is a key range a strategy can split rather than one indivisible key. Default 1 (keys as
    /// given); from 1 to 65536.
    /// </summary>
    public int KeyFanout { get; set; } = 1;

    /// <summary>Stored bytes per key, which gives partition sizes. Default 1 MiB; positive.</summary>
    public long BytesPerKey { get; set; } = SimulationDefaults.BytesPerKey;

    /// <summary>
    /// Bytes a move copies per trace step; a move of <c>b</c> bytes takes ⌈b / bandwidth⌉ steps (at least one). Null
    /// (default) is the mean initial partition size, so moving an average initial partition takes one step; otherwise positive.
    /// </summary>
    public double? MoveBandwidthBytesPerStep { get; set; }

    /// <summary>
    /// Share of a moving partition's load added to both its source and its target while the move runs (copy work on top of
    /// serving), in each step for the share of the step the copy runs: a move of a tenth of a step's bandwidth adds a tenth
    /// of it. Default 0.25; from 0 to 1.
    /// </summary>
    public double MoveOverheadShare { get; set; } = SimulationDefaults.MoveOverheadShare;

    /// <summary>
    /// Whether the predictive and oracle planners are told <see cref="MoveOverheadShare"/> (GeneticPlannerOptions.MoveOverheadShare),
    /// as they are told the bandwidth, so a plan charges each move's copy on both its ends while it runs. Default false: a
    /// plan prices a move by its bytes only. Measured on the 25-row screen (docs/measurements.md) it passes as many rows as
    /// not, but different ones, so it is a setting. A planner of the host's own (<see cref="TraceSimulator.PlannerFactory"/>)
    /// ignores it.
    /// </summary>
    public bool PlannerModelsMoveOverhead { get; set; }

    /// <summary>Share of the trace replayed before metrics start, shared by every strategy (no strategy acts in it; the predictive one trains on it). Default 0.3; in [0, 1).</summary>
    public double WarmupFraction { get; set; } = SimulationDefaults.WarmupFraction;

    /// <summary>Seed of every random choice (split-key reservoirs, forecaster, planner). Default 1.</summary>
    public int Seed { get; set; } = SimulationDefaults.Seed;

    /// <summary>Strategies to run, from <see cref="StrategyNames"/>. Default all five.</summary>
    public IReadOnlyList<string> Strategies { get; set; } = StrategyNames.All;

    /// <summary>Moves that may run at once, for every strategy. Default 4; at least 1.</summary>
    public int MaxConcurrentMoves { get; set; } = SimulationDefaults.MaxConcurrentMoves;

    /// <summary>
    /// A partition whose move started or finished less than this many steps ago is not moved again, by any strategy.
    /// Splits neither start nor respect it (a split moves no data): split children inherit their parent's last move,
    /// and a partition may be split in the step after a move. The initial partitions count as moved at step 0, so with
    /// a warm-up shorter than this nothing moves at the first counted steps. Default 2; zero or more.
    /// </summary>
    public int CooldownSteps { get; set; } = SimulationDefaults.CooldownSteps;

    /// <summary>
    /// Steps the planned strategies look ahead. Default 12; at least 1, and with the predictive or oracle strategy at most
    /// the trace's steps (<see cref="TraceSimulator.RunAsync(Traces.KeyTrace, IProgress{SimulationProgress}?, CancellationToken)"/> refuses more). With the default forecaster (the LSTM) the
    /// predictive strategy looks fewer steps ahead when the warm-up is shorter than twice its context + horizon, so that
    /// the forecaster trains on many windows of the warm-up (see the README's "Short warm-ups"); the oracle always uses this.
    /// </summary>
    public int HorizonSteps { get; set; } = SimulationDefaults.HorizonSteps;

    /// <summary>Steps between two plans of the planned strategies. Default 1; from 1 to <see cref="HorizonSteps"/>.</summary>
    public int PlanEverySteps { get; set; } = SimulationDefaults.PlanEverySteps;

    /// <summary>
    /// Steps between two fine-tunings (UpdateAsync) of the predictive strategy's forecaster. Null (default) is
    /// <see cref="HorizonSteps"/>, or more on a long trace so that a replay fine-tunes at most 16 times; otherwise at least 1.
    /// </summary>
    public int? FineTuneEverySteps { get; set; }

    /// <summary>
    /// Steps of history handed to the forecaster at each plan (at most). Default 512; at least 1, and with the predictive
    /// strategy's default forecaster at least its context (<see cref="DefaultComponents.CreateForecaster"/>: max(24, horizon)
    /// steps when the warm-up holds twice that context + horizon, fewer on a shorter one), which <see cref="TraceSimulator.RunAsync(Traces.KeyTrace, IProgress{SimulationProgress}?, CancellationToken)"/> refuses less than.
    /// </summary>
    public int HistoryWindowSteps { get; set; } = SimulationDefaults.HistoryWindowSteps;

    /// <summary>Node utilisation the planner keeps the forecast under (PlanningConstraints.DefaultUtilizationThreshold). Default 0.9; in (0, 1].</summary>
    public double PlannerUtilizationThreshold { get; set; } = SimulationDefaults.PlannerUtilizationThreshold;

    /// <summary>
    /// The predictive strategy's move cost (GeneticPlannerOptions.MoveCostWeight): moving every byte of the cluster costs as
    /// much as this many times the utilisation threshold in predicted peak. Higher moves fewer bytes for the insurance the
    /// burst bounds ask for, at some risk of overload (the README's simulation section measures 2, 4 and 6). Default 2;
    /// zero or more, finite. The oracle keeps its own variants (2 and 0.5), so the bound does not move with this; a planner
    /// of the host's own (<see cref="TraceSimulator.PlannerFactory"/>) ignores it.
    /// </summary>
    public double MoveCostWeight { get; set; } = SimulationDefaults.MoveCostWeight;

    /// <summary>
    /// The predictive and oracle planners' weight of every node's predicted peak above its threshold, summed over nodes
    /// (GeneticPlannerOptions.BreachSumWeight): with 0 (the default) a plan sees only the hottest node, so a node over its
    /// threshold beside an unavoidably hot one is left there. Zero or more, finite. A planner of the host's own
    /// (<see cref="TraceSimulator.PlannerFactory"/>) ignores it.
    /// </summary>
    public double BreachSumWeight { get; set; }

    /// <summary>
    /// The predictive and oracle planners' weight of a node's predicted peak above its threshold when the node holds a
    /// shard that alone fills a node's allowance (GeneticPlannerOptions.IsolationWeight): what else that node carries then
    /// counts on its own, so a plan isolates a hot key rather than leave a node a few percent over capacity for as long as
    /// the key stays hot. Default 2 (the burst preset's); 0 turns it off; zero or more, finite. A planner of the host's own
    /// (<see cref="TraceSimulator.PlannerFactory"/>) ignores it.
    /// </summary>
    public double IsolationWeight { get; set; } = SimulationDefaults.IsolationWeight;

    /// <summary>
    /// The predictive and oracle planners' κ of the overflow penalty (GeneticPlannerOptions.OverflowSpreadWeight): each
    /// node's overflow o at the 0.99 quantile costs o + κ·o²/(1 + o), so overflow that burst bounds put on every node
    /// whatever the placement is spread rather than piled on one. Default 0.05 (the burst preset's); 0 gives the plain sum;
    /// zero or more, finite. A planner of the host's own (<see cref="TraceSimulator.PlannerFactory"/>) ignores it.
    /// </summary>
    public double OverflowSpreadWeight { get; set; } = SimulationDefaults.OverflowSpreadWeight;

    /// <summary>
    /// The predictive and oracle planners' cost of each move on top of its bytes (GeneticPlannerOptions.PerMoveCost, a
    /// share of the threshold in predicted peak): a plan makes a move only when it gains at least this much, so small
    /// pieces are not traded between nodes every step for gains within the forecast's noise. Default 0 (off; measured
    /// in docs/measurements.md: far fewer moves, but more overload on the daily Wikipedia traces); zero or more, finite.
    /// A planner of the host's own (<see cref="TraceSimulator.PlannerFactory"/>) ignores it.
    /// </summary>
    public double PerMoveCost { get; set; }

    /// <summary>
    /// Load-based splitting under the predictive and oracle strategies: before each step, every partition whose load at
    /// the last step exceeded this share of a node's capacity is split in two at the key that balances its requests, as
    /// the reactive strategy splits (CockroachDB's and TiKV's load-based split, which a host database keeps running under
    /// the planner), and the planner then plans on the pieces. Default 0.03
    /// (<see cref="SimulationDefaults.PublishedQpsSplitThresholdShare"/>, CockroachDB's and TiKV's published QPS
    /// thresholds mapped to the node): measured in docs/measurements.md, without it the planner alone fell behind reactive
    /// on synthetic random bursts that no forecast foresees (13 of 29 draws passed, 23 with it). 0 turns it off (the
    /// forecast alone decides splits). In [0, 1).
    /// </summary>
    public double MeasuredSplitShare { get; set; } = SimulationDefaults.PublishedQpsSplitThresholdShare;

    /// <summary>
    /// The predictive strategy's data-movement budget: by any step it may have moved at most this multiple of the bytes the
    /// reactive strategy at the published QPS split thresholds (CockroachDB's 2,500 and TiKV's 3,000 mapped to 0.03 ×
    /// capacity, replayed beside it on the same trace and knowing the same past) has moved by then, plus one round of move slots (<see cref="MaxConcurrentMoves"/> × the initial
    /// average partition) so that it can act before the reactive balancer has, but never more than the larger of twice this
    /// multiple of the shadow's bytes and that round alone (where reactive moves less than a round in all, the round on top
    /// of its few moves is what took prediction past twice its bytes). It is the budget of an operator who will
    /// not let prediction move more data than the reactive balancer it replaces: where every strategy overloads alike
    /// (one key hotter than a node), the burst insurance otherwise moved 6–12 × reactive's bytes for nothing. Each plan's
    /// move budget (PlanningConstraints.MoveBudgetBytes) is what remains of it, so the planner chooses which moves the
    /// bytes go to. Default 1; 0 lifts the cap; zero or more, finite. The oracle, the bound, is not capped.
    /// </summary>
    public double ReactiveByteBudget { get; set; } = SimulationDefaults.ReactiveByteBudget;

    /// <summary>Forecast quantile the planner plans for (PlanningConstraints.PlanningQuantile). Default 0.5 (the median: the threshold keeps the margin); in (0, 1).</summary>
    public double PlanningQuantile { get; set; } = SimulationDefaults.PlanningQuantile;

    /// <summary>
    /// Whether the predictive strategy floors every forecast value at the partition's last measured load (what is hot now is
    /// planned for as at least this hot), so that it responds to a surge already under way as fast as a reactive system.
    /// Default false: the predictive strategy plans on the forecast alone.
    /// </summary>
    public bool FloorForecastAtLastLoad { get; set; }

    /// <summary>
    /// Whether the planned strategies correct their forecast by measurement: when a node's load at the last step exceeded
    /// its capacity and a partition on it measured above the 0.9 quantile the previous forecast gave it, that partition is
    /// planned for at least at its measured load over the horizon (the forecast is a prior, the measurement a correction).
    /// Default false: on the traces measured (per-minute Azure Functions, daily Wikipedia views) overloads were mostly
    /// one-step spikes that revert, and answering them with moves added move load and doubled the overloaded node-steps.
    /// </summary>
    public bool CorrectMeasuredOverload { get; set; }

    /// <summary>
    /// Whether the predictive strategy plans for bursts it has not seen on a partition: the forecast's 0.99 quantile is
    /// raised to each partition's measured load times the largest one-step growth the cluster has shown from a load at
    /// least as large (from at least 5% of a node's capacity), the planner splits a partition whose 0.99-quantile peak
    /// exceeds its split share of a node's capacity on a node forecast to overflow at that quantile, so surge-prone ranges
    /// are small and spread before the surge, and it charges such overflow like a breach of the same size (overflow weight
    /// 1 instead of 10), so that bounds that put many nodes over capacity do not outweigh the breach the median forecast
    /// predicts. Default true (see the simulation table in the repository's README); false plans on the forecast alone.
    /// </summary>
    public bool BurstAwareSplits { get; set; } = true;

    /// <summary>
    /// The steps whose median load the predictive strategy's burst bound grows from (ForecastGuardOptions.BurstLevelSteps):
    /// 1 (the default) is the last step's load. On per-minute counts a median over about ten steps keeps the bound from
    /// jumping with every step's count and the planner from moving partitions for insurance the trace never uses, at the
    /// price of a bound that follows a real rise later (see the README's comparison). At least 1.
    /// </summary>
    public int BurstLevelSteps { get; set; } = 1;

    /// <summary>
    /// The consecutive steps a partition's measured load must stay above the predictive strategy's forecast (twice its
    /// 0.9 quantile for the next step, and at least 5% of a node) before the forecast is raised to the least of those loads
    /// (ForecastGuardOptions.LevelShiftSteps): the LSTM learns that jumps mostly revert and keeps forecasting the old level
    /// of a key that stepped up and stayed up, so a node can stay over capacity for tens of steps with no breach in the
    /// plan. 0 turns it off. The oracle knows the future and does not get it. Zero or more.
    /// </summary>
    public int LevelShiftSteps { get; set; } = SimulationDefaults.LevelShiftSteps;

    /// <summary>
    /// Whether the predictive strategy's burst bound covers partitions of a single key too
    /// (ForecastGuardOptions.BoundSingleKeyBursts). Default true. False leaves a one-key partition's forecast as the
    /// forecaster gave it: a key cannot be split, so its bound is insured only by moving it whole, and at one key per
    /// trace series that kept the planner trading keys between nodes (see the README's comparison).
    /// </summary>
    public bool BurstBoundSingleKeys { get; set; } = true;

    /// <summary>
    /// Whether the predictive strategy's burst bound also learns the one-step growth of the key ranges the replay started
    /// from (summed over whatever partitions now hold their keys), not only of the partitions that exist at each step.
    /// Default true. Without it the evidence depends on the strategy's own cuts: the load-based split
    /// (<see cref="MeasuredSplitShare"/>) keeps every piece below the 5% of a node a growth must start from to count, so a
    /// range that jumps 56 × in a day (held-out Wikipedia articles) taught the bound nothing (docs/measurements.md,
    /// sessions 37 and 39).
    /// </summary>
    public bool GrowthFromInitialRanges { get; set; } = true;

    /// <summary>
    /// Whether the database's own store rebalancer keeps running under the predictive and oracle plans: the reactive
    /// strategy's (hottest node to the coolest while the hottest is more than 10% above the mean, CockroachDB's), in every
    /// step in which the last plan moved nothing and none of its moves waits for a slot. Default false. A real deployment
    /// keeps its database's balancer as it keeps the load-based split (<see cref="MeasuredSplitShare"/>); the planner alone
    /// buys balance only against a predicted breach, and on the held-out odd Wikipedia articles at fan-out 16 an article
    /// doubling daily on two nodes was seen a day ahead, too late to spread its pieces (docs/measurements.md, sessions 45
    /// and 46).
    /// </summary>
    public bool StoreRebalanceBetweenPlans { get; set; }

    /// <summary>
    /// With <see cref="BurstBoundSingleKeys"/>, which one-key partitions keep the predictive strategy's burst bound
    /// (ForecastGuardOptions.SingleKeyNeighbourCorrelation): those whose load changes correlate at least this much with a
    /// neighbouring partition's in key order over the last 24 steps. Default 0.9. A trace key fanned out to several keys
    /// (<see cref="KeyFanout"/>) shares its requests equally among them, so its pieces always keep the bound; at one key
    /// per trace series, keys hot on their own lose it. −1 bounds every one-key partition. From −1 to 1.
    /// </summary>
    public double SingleKeyNeighbourCorrelation { get; set; } = SimulationDefaults.SingleKeyNeighbourCorrelation;

    /// <summary>
    /// Whether the predictive strategy raises a partition's median forecast (and the quantiles above it) where the
    /// partition's own past shows a clear period longer than the forecaster's context: each forecast step is floored at
    /// the least load the partition had at the same phase in each of the last three periods (a timer firing every 30 or
    /// 60 steps, which a 24-step context never shows). Default true; false plans on the forecast alone.
    /// </summary>
    public bool SeasonalFloor { get; set; } = true;

    /// <summary>The reactive grid's split thresholds, as shares of node capacity. Default 0.03, 0.06, 0.1, 0.15, 0.25, 0.4; each in (0, 10].</summary>
    public IReadOnlyList<double> ReactiveThresholds { get; set; } = SimulationDefaults.ReactiveThresholdGrid;

    /// <summary>The reactive grid's consecutive-step counts. Default 1, 2, 3; each at least 1.</summary>
    public IReadOnlyList<int> ReactiveConsecutiveSteps { get; set; } = SimulationDefaults.ReactiveConsecutiveGrid;

    /// <summary>Throws when a setting is out of range, naming it and its value.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A number is out of its range.</exception>
    /// <exception cref="ArgumentException">An unknown or repeated strategy name, or an empty list.</exception>
    public void Validate()
    {
        if (Nodes < 1)
        {
            throw Bad(nameof(Nodes), Nodes, "at least 1");
        }

        if (!(Headroom > 0 && Headroom <= 1))
        {
            throw Bad(nameof(Headroom), Headroom, "in (0, 1]");
        }

        if (NodeCapacity is { } capacity && !(capacity > 0 && double.IsFinite(capacity)))
        {
            throw Bad(nameof(NodeCapacity), capacity, "positive and finite");
        }

        if (Partitions is < 1)
        {
            throw Bad(nameof(Partitions), Partitions, "at least 1");
        }

        if (KeyFanout < 1 || KeyFanout > 65536)
        {
            throw Bad(nameof(KeyFanout), KeyFanout, "from 1 to 65536");
        }

        if (BytesPerKey < 1)
        {
            throw Bad(nameof(BytesPerKey), BytesPerKey, "positive");
        }

        if (MoveBandwidthBytesPerStep is { } bandwidth && !(bandwidth > 0 && double.IsFinite(bandwidth)))
        {
            throw Bad(nameof(MoveBandwidthBytesPerStep), bandwidth, "positive and finite");
        }

        if (!(MoveOverheadShare >= 0 && MoveOverheadShare <= 1))
        {
            throw Bad(nameof(MoveOverheadShare), MoveOverheadShare, "from 0 to 1");
        }

        if (!(WarmupFraction >= 0 && WarmupFraction < 1))
        {
            throw Bad(nameof(WarmupFraction), WarmupFraction, "in [0, 1)");
        }

        ValidateStrategies();
        if (MaxConcurrentMoves < 1)
        {
            throw Bad(nameof(MaxConcurrentMoves), MaxConcurrentMoves, "at least 1");
        }

        if (!(SingleKeyNeighbourCorrelation >= -1 && SingleKeyNeighbourCorrelation <= 1))
        {
            throw Bad(nameof(SingleKeyNeighbourCorrelation), SingleKeyNeighbourCorrelation, "from -1 to 1");
        }

        if (CooldownSteps < 0)
        {
            throw Bad(nameof(CooldownSteps), CooldownSteps, "zero or more");
        }

        if (HorizonSteps < 1)
        {
            throw Bad(nameof(HorizonSteps), HorizonSteps, "at least 1");
        }

        if (PlanEverySteps < 1 || PlanEverySteps > HorizonSteps)
        {
            throw Bad(nameof(PlanEverySteps), PlanEverySteps, string.Create(CultureInfo.InvariantCulture, $"from 1 to HorizonSteps ({HorizonSteps})"));
        }

        if (FineTuneEverySteps is < 1)
        {
            throw Bad(nameof(FineTuneEverySteps), FineTuneEverySteps, "at least 1");
        }

        if (HistoryWindowSteps < 1)
        {
            throw Bad(nameof(HistoryWindowSteps), HistoryWindowSteps, "at least 1");
        }

        if (!(PlannerUtilizationThreshold > 0 && PlannerUtilizationThreshold <= 1))
        {
            throw Bad(nameof(PlannerUtilizationThreshold), PlannerUtilizationThreshold, "in (0, 1]");
        }

        if (!(PlanningQuantile > 0 && PlanningQuantile < 1))
        {
            throw Bad(nameof(PlanningQuantile), PlanningQuantile, "in (0, 1)");
        }

        NonNegativeFinite(nameof(MoveCostWeight), MoveCostWeight);
        NonNegativeFinite(nameof(BreachSumWeight), BreachSumWeight);
        NonNegativeFinite(nameof(IsolationWeight), IsolationWeight);
        NonNegativeFinite(nameof(OverflowSpreadWeight), OverflowSpreadWeight);
        NonNegativeFinite(nameof(PerMoveCost), PerMoveCost);
        if (!(MeasuredSplitShare >= 0 && MeasuredSplitShare < 1))
        {
            throw Bad(nameof(MeasuredSplitShare), MeasuredSplitShare, "in [0, 1)");
        }
        NonNegativeFinite(nameof(ReactiveByteBudget), ReactiveByteBudget);
        if (BurstLevelSteps < 1)
        {
            throw Bad(nameof(BurstLevelSteps), BurstLevelSteps, "at least 1");
        }

        if (LevelShiftSteps < 0)
        {
            throw Bad(nameof(LevelShiftSteps), LevelShiftSteps, "zero (off) or more");
        }

        ValidateGrid();
    }

    private void ValidateStrategies()
    {
        if (Strategies is null || Strategies.Count == 0)
        {
            throw new ArgumentException("SimulationOptions.Strategies must name at least one strategy (" + string.Join(", ", StrategyNames.All) + ").", nameof(Strategies));
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var name in Strategies)
        {
            if (name is null || !StrategyNames.All.Contains(name, StringComparer.Ordinal))
            {
                throw new ArgumentException($"SimulationOptions.Strategies: unknown strategy '{name}'; expected one of {string.Join(", ", StrategyNames.All)}.", nameof(Strategies));
            }

            if (!seen.Add(name))
            {
                throw new ArgumentException($"SimulationOptions.Strategies: '{name}' is listed twice.", nameof(Strategies));
            }
        }
    }

    private void ValidateGrid()
    {
        if (ReactiveThresholds is null || ReactiveThresholds.Count == 0)
        {
            throw new ArgumentException("SimulationOptions.ReactiveThresholds must list at least one threshold.", nameof(ReactiveThresholds));
        }

        foreach (var threshold in ReactiveThresholds)
        {
            if (!(threshold > 0 && threshold <= 10))
            {
                throw Bad(nameof(ReactiveThresholds), threshold, "a share of capacity in (0, 10]");
            }
        }

        if (ReactiveConsecutiveSteps is null || ReactiveConsecutiveSteps.Count == 0)
        {
            throw new ArgumentException("SimulationOptions.ReactiveConsecutiveSteps must list at least one count.", nameof(ReactiveConsecutiveSteps));
        }

        foreach (var count in ReactiveConsecutiveSteps)
        {
            if (count < 1)
            {
                throw Bad(nameof(ReactiveConsecutiveSteps), count, "at least 1");
            }
        }
    }

    private static void NonNegativeFinite(string name, double value)
    {
        // Written so that NaN fails too.
        if (!(value >= 0 && double.IsFinite(value)))
        {
            throw Bad(name, value, "zero or more and finite");
        }
    }

    private static ArgumentOutOfRangeException Bad(string name, object? value, string expected) =>
        new(name, value, string.Create(CultureInfo.InvariantCulture, $"SimulationOptions.{name} must be {expected}; got {value}."));
}
