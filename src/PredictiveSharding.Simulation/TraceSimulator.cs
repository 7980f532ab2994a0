using System.Globalization;
using PredictiveSharding.Forecasting;
using PredictiveSharding.Planning;
using PredictiveSharding.Simulation.Cluster;
using PredictiveSharding.Simulation.Strategies;
using PredictiveSharding.Simulation.Strategies.Planned;
using PredictiveSharding.Simulation.Strategies.Reactive;
using PredictiveSharding.Traces;

namespace PredictiveSharding.Simulation;

/// <summary>
/// Replays a per-key request trace onto a cluster model once per strategy, the same way for each: the same nodes and
/// capacity, the same initial partitions, the same move bandwidth, overhead and concurrency, the same warm-up (replayed
/// with no strategy acting and not counted). Reports each strategy's overload, churn and compute time.
/// </summary>
public sealed class TraceSimulator
{
    private readonly SimulationOptions _options;
    private readonly TimeProvider _time;

    /// <summary>Creates a simulator.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range (the message names it and its value).</exception>
    /// <exception cref="ArgumentException">An unknown strategy name.</exception>
    public TraceSimulator(SimulationOptions options, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _time = timeProvider ?? TimeProvider.System;
    }

    /// <summary>Makes the predictive strategy's forecaster; null (default) uses <see cref="DefaultComponents.CreateForecaster"/> (the LSTM).</summary>
    public Func<SimulationContext, ILoadForecaster>? ForecasterFactory { get; init; }

    /// <summary>Makes the planner of the predictive and oracle strategies (one each); null (default) uses <see cref="DefaultComponents.CreatePlanner(SimulationContext)"/> (the GA).</summary>
    public Func<SimulationContext, IShardPlanner>? PlannerFactory { get; init; }

    /// <summary>Replays the trace with every requested strategy.</summary>
    /// <exception cref="ArgumentException">The trace is empty or has no requests, has fewer keys than the requested partitions, or fewer steps than the predictive or oracle strategy's horizon; or <see cref="SimulationOptions.HistoryWindowSteps"/> is shorter than the default forecaster's context.</exception>
    /// <exception cref="OperationCanceledException">Cancelled.</exception>
    public Task<SimulationReport> RunAsync(KeyTrace trace, IProgress<SimulationProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(trace);
        return RunAsync(new KeyLoads(trace).Expand(_options.KeyFanout), progress, cancellationToken);
    }

    internal async Task<SimulationReport> RunAsync(KeyLoads loads, IProgress<SimulationProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(loads);
        _options.Validate();
        var setup = Setup(loads);
        if ((_options.Strategies.Contains(StrategyNames.Predictive) || _options.Strategies.Contains(StrategyNames.Oracle)) && _options.HorizonSteps > loads.StepCount)
        {
            // Every step past the trace's end is forecast (the oracle: as zero) and planned over, for nothing.
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"SimulationOptions.HorizonSteps (psharding simulate --horizon) must be at most the trace's {loads.StepCount} steps for the predictive and oracle strategies; got {_options.HorizonSteps}."), nameof(loads));
        }

        if (_options.Strategies.Contains(StrategyNames.Predictive) && ForecasterFactory is null)
        {
            // Every forecast hands the LSTM at most this many steps of each partition: fewer than its context failed the
            // run at the first plan, after the strategies before it had replayed, in words that named no option.
            var contextSteps = WarmupSizing.Context(setup.WarmupSteps, WarmupSizing.Horizon(setup.WarmupSteps, _options.HorizonSteps, _options.PlanEverySteps));
            if (_options.HistoryWindowSteps < contextSteps)
            {
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"SimulationOptions.HistoryWindowSteps must be at least the default forecaster's context of {contextSteps} steps (on this trace's warm-up of {setup.WarmupSteps} steps) for the predictive strategy; got {_options.HistoryWindowSteps}."), nameof(loads));
            }
        }

        // The replays run off the caller's thread: they complete synchronously up to the LSTM's training, so every static
        // and reactive replay (seconds on a long trace) ran before the caller got its task, and a caller on a UI thread
        // could not cancel meanwhile.
        await Task.CompletedTask.ConfigureAwait(ConfigureAwaitOptions.ForceYielding);
        var context = new SimulationContext(loads.Step, loads.StepCount, setup.WarmupSteps, loads.KeyCount, _options.HorizonSteps, _options.Seed);
        var names = _options.Strategies.ToList();
        var grid = names.Contains(StrategyNames.Reactive) ? Grid() : [];
        var defaultSetting = PublishedSetting(loads.Step);
        var reuseDefault = grid.Contains(defaultSetting) && names.IndexOf(StrategyNames.Reactive) < names.IndexOf(StrategyNames.ReactiveDefault);
        var oracleFloors = PlannerFactory is null ? SimulationDefaults.OraclePeakFloors : [0.0];
        double[] oracleMoveCosts = PlannerFactory is null ? SimulationDefaults.OracleMoveCostWeights : [SimulationDefaults.MoveCostWeight];
        var oracleVariants = oracleFloors.Length * oracleMoveCosts.Length;
        var totalRuns = names.Count - (grid.Count > 0 ? 1 : 0) + grid.Count - (reuseDefault ? 1 : 0) + (names.Contains(StrategyNames.Oracle) ? oracleVariants - 1 : 0);
        var run = 0;

        var results = new List<StrategyResult>(names.Count);
        var gridResults = new List<StrategyResult>(grid.Count);
        StrategyResult? defaultFromGrid = null;
        foreach (var name in names)
        {
            switch (name)
            {
                case StrategyNames.Static:
                    results.Add(await ReplayAsync(loads, setup, new StaticRebalancer(), name, progress, ++run, totalRuns, cancellationToken).ConfigureAwait(false));
                    break;
                case StrategyNames.Reactive:
                    foreach (var setting in grid)
                    {
                        var result = await ReplayAsync(loads, setup, new ReactiveRebalancer(name, setting, _options.Seed, _time), name, progress, ++run, totalRuns, cancellationToken).ConfigureAwait(false);
                        gridResults.Add(result);
                        if (setting == defaultSetting)
                        {
                            defaultFromGrid = result;
                        }
                    }

                    results.Add(Best(gridResults));
                    break;
                case StrategyNames.ReactiveDefault when defaultFromGrid is not null:
                    // The grid already replayed the published setting; the replay is deterministic, so reuse it.
                    results.Add(defaultFromGrid.Renamed(name));
                    break;
                case StrategyNames.ReactiveDefault:
                    results.Add(await ReplayAsync(loads, setup, new ReactiveRebalancer(name, defaultSetting, _options.Seed, _time), name, progress, ++run, totalRuns, cancellationToken).ConfigureAwait(false));
                    break;
                case StrategyNames.Predictive:
                    var replaySteps = loads.StepCount - setup.WarmupSteps;

                    // The default LSTM learns from windows of the warm-up: on a warm-up too short for windows of the default
                    // context + horizon it forecasts, and the strategy plans, fewer steps ahead (WarmupSizing). A custom
                    // forecaster gets the run's horizon.
                    var predictiveContext = ForecasterFactory is null
                        ? context with { HorizonSteps = WarmupSizing.Horizon(setup.WarmupSteps, _options.HorizonSteps, _options.PlanEverySteps) }
                        : context;
                    var forecaster = (ForecasterFactory ?? DefaultComponents.CreateForecaster)(predictiveContext);
                    // Periods the forecaster's context cannot show (longer than it, and than the horizon, so that a period ago is
                    // past for every forecast step) raise its median: ForecastGuardOptions.SeasonalMinPeriod.
                    var seasonalMinPeriod = _options.SeasonalFloor
                        ? Math.Max(WarmupSizing.Context(setup.WarmupSteps, predictiveContext.HorizonSteps), predictiveContext.HorizonSteps) + 1
                        : 0;
                    var planned = Planned(name, forecaster, predictiveContext, samplesFromFuture: false, replaySteps, seasonalMinPeriod: seasonalMinPeriod, floorAtLastLoad: _options.FloorForecastAtLastLoad, byteBudget: ByteBudget(loads, setup), levelShiftSteps: _options.LevelShiftSteps);
                    var predictive = await ReplayAsync(loads, setup, planned, name, progress, ++run, totalRuns, cancellationToken).ConfigureAwait(false);
                    var plannerSetting = PlannerFactory is null ? string.Create(CultureInfo.InvariantCulture, $", move cost {_options.MoveCostWeight:0.##}{PlannerSetting()}") : string.Empty;
                    var budgetSetting = _options.ReactiveByteBudget > 0
                        ? string.Create(CultureInfo.InvariantCulture, $", bytes within {_options.ReactiveByteBudget:0.##} × what reactive at {SimulationDefaults.PublishedQpsSplitThresholdShare:0.##} moves + {setup.MaxConcurrentMoves} partitions, never past the larger of {ReactiveByteBudget.AllowanceCapMultiple * _options.ReactiveByteBudget:0.##} × and {setup.MaxConcurrentMoves} partitions")
                        : string.Empty;
                    results.Add(predictive.Renamed(name, predictive.Setting + plannerSetting + budgetSetting));
                    break;
                case StrategyNames.Oracle:
                    // The bound is the best the same pipeline does with the true future: the best of its variants.
                    var variants = new List<StrategyResult>(oracleVariants);
                    foreach (var moveCost in oracleMoveCosts)
                    {
                        foreach (var floor in oracleFloors)
                        {
                            var planner = PlannerFactory is null ? DefaultPlanner(context, floor, splitOnOverflowQuantile: false, moveCost) : null;
                            var oracle = await ReplayAsync(loads, setup, Planned(name, new OracleForecaster(loads), context, samplesFromFuture: true, loads.StepCount - setup.WarmupSteps, planner), name, progress, ++run, totalRuns, cancellationToken).ConfigureAwait(false);
                            variants.Add(PlannerFactory is null ? oracle.Renamed(name, oracle.Setting + string.Create(CultureInfo.InvariantCulture, $", peak floor {floor:0.##}, move cost {moveCost:0.##}{PlannerSetting()}")) : oracle);
                        }
                    }

                    results.Add(Best(variants));
                    break;
                default:
                    throw new InvalidOperationException($"Strategy '{name}' passed validation but has no replay.");
            }
        }

        return new SimulationReport(results, gridResults)
        {
            Nodes = setup.Nodes,
            NodeCapacity = setup.NodeCapacity,
            Step = loads.Step,
            Start = loads.Start,
            Steps = loads.StepCount,
            Keys = loads.KeyCount,
            WarmupSteps = setup.WarmupSteps,
            InitialPartitions = setup.InitialPartitions,
            MoveBandwidthBytesPerStep = setup.MoveBandwidthBytesPerStep,
            UnavoidableNodeSteps = UnavoidableNodeSteps(loads, setup),
        };
    }

    /// <summary>The cluster every strategy starts from, sized from the options and the trace.</summary>
    internal ClusterSetup Setup(KeyLoads loads)
    {
        var nodes = _options.Nodes;
        double capacity;
        if (_options.NodeCapacity is { } given)
        {
            capacity = given;
        }
        else
        {
            var peak = loads.PeakTotal();
            if (!(peak > 0))
            {
                throw new ArgumentException("The trace has no requests at any step: there is nothing to size the nodes by. Set NodeCapacity (psharding simulate --node-capacity) to replay it anyway.", nameof(loads));
            }

            capacity = peak / (nodes * _options.Headroom);
            if (!double.IsFinite(capacity))
            {
                // A headroom as small as 1e-320 is in (0, 1], and sized every node to carry infinite load: nothing was overloaded.
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"SimulationOptions.Headroom (psharding simulate --headroom) of {_options.Headroom} sizes each node at the trace's peak {peak} / ({nodes} nodes × {_options.Headroom}), past the largest finite capacity; give a larger headroom or set NodeCapacity (psharding simulate --node-capacity)."), nameof(loads));
            }
        }

        // Every replay records each node's utilisation at each step.
        if (nodes > Array.MaxLength / loads.StepCount)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"SimulationOptions.Nodes (psharding simulate --nodes) × the trace's {loads.StepCount} steps must be at most {Array.MaxLength} node-steps, so at most {Array.MaxLength / loads.StepCount} nodes; got {nodes}."), nameof(loads));
        }

        // In 64 bits: four times a large node count passes int.MaxValue.
        var partitions = _options.Partitions ?? (int)Math.Min((long)SimulationDefaults.PartitionsPerNode * nodes, loads.KeyCount);
        if (partitions > loads.KeyCount)
        {
            // The loads are fanned out already: the count a user can check against the trace is its keys before that.
            var fanout = _options.KeyFanout > 1 && loads.KeyCount % _options.KeyFanout == 0
                ? string.Create(CultureInfo.InvariantCulture, $": {loads.KeyCount / _options.KeyFanout} keys × key fan-out {_options.KeyFanout}")
                : string.Empty;
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"SimulationOptions.Partitions (psharding simulate --partitions) must be at most the trace's key count ({loads.KeyCount}{fanout}); got {partitions}."), nameof(loads));
        }

        // Partition sizes, bytes moved and budgets are counted in 64 bits: the cluster's bytes must fit in one.
        if (_options.BytesPerKey > long.MaxValue / loads.KeyCount)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"SimulationOptions.BytesPerKey (psharding simulate --bytes-per-key) × the trace's {loads.KeyCount} keys must fit in 64 bits, so at most {long.MaxValue / loads.KeyCount}; got {_options.BytesPerKey}."), nameof(loads));
        }

        var bandwidth = _options.MoveBandwidthBytesPerStep ?? (double)loads.KeyCount * _options.BytesPerKey / partitions;
        // Rounded to 9 decimals before the floor: 0.7 × 90 is 62.99999999999999 in binary floating point, which floored one
        // step short of the share (a decimal conversion instead rounds the share itself to 15 digits, taking 1/3 × 90 to
        // 29 and 0.9999999999999999 to every step).
        var warmup = Math.Min(Math.Max(0, loads.StepCount - 1), (int)Math.Floor(Math.Round(_options.WarmupFraction * loads.StepCount, 9)));
        // A cooldown past the trace's end holds a changed partition to its end, as any longer one does: capped there, so that the
        // planner's cooldown (steps × step) stays a TimeSpan (int.MaxValue hourly steps overflowed it).
        var cooldown = Math.Min(_options.CooldownSteps, loads.StepCount + 1);
        return new ClusterSetup(nodes, capacity, partitions, _options.BytesPerKey, bandwidth, _options.MoveOverheadShare, _options.MaxConcurrentMoves, cooldown, warmup);
    }

    /// <summary>
    /// The published settings mapped to the simulated node: split threshold 0.25 × capacity (TiKV's
    /// split.region-cpu-overload-threshold-ratio) and TiKV's split.detect-times of 10 seconds in whole steps (at least one).
    /// </summary>
    internal static ReactiveSettings PublishedSetting(TimeSpan step) =>
        new(SimulationDefaults.PublishedSplitThresholdShare, Math.Max(1, (int)Math.Ceiling(SimulationDefaults.PublishedDetectWindow / step)));

    /// <summary>
    /// Steps after the warm-up at which at least one node must be overloaded whatever the placement: a single key hotter
    /// than a node, or more load than all nodes together carry. One node-step each: all such keys could share one node.
    /// </summary>
    internal static long UnavoidableNodeSteps(KeyLoads loads, ClusterSetup setup)
    {
        long steps = 0;
        for (var s = setup.WarmupSteps; s < loads.StepCount; s++)
        {
            if (loads.MaxKeyAt(s) > setup.NodeCapacity || loads.TotalAt(s) > setup.NodeCapacity * setup.Nodes)
            {
                steps++;
            }
        }

        return steps;
    }

    private List<ReactiveSettings> Grid()
    {
        var grid = new List<ReactiveSettings>();
        foreach (var threshold in _options.ReactiveThresholds)
        {
            foreach (var consecutive in _options.ReactiveConsecutiveSteps)
            {
                grid.Add(new ReactiveSettings(threshold, consecutive));
            }
        }

        return grid;
    }

    /// <summary>The best of a grid or of variants: fewest overloaded node-steps, then fewest bytes moved, then fewest moves, then grid order.</summary>
    private static StrategyResult Best(List<StrategyResult> grid)
    {
        var best = grid[0];
        foreach (var candidate in grid)
        {
            if (candidate.OverloadedNodeSteps < best.OverloadedNodeSteps
                || (candidate.OverloadedNodeSteps == best.OverloadedNodeSteps && (candidate.BytesMoved < best.BytesMoved || (candidate.BytesMoved == best.BytesMoved && candidate.Moves < best.Moves))))
            {
                best = candidate;
            }
        }

        return best;
    }

    /// <summary>
    /// The genetic planner of a planned strategy, with this run's planner weights (breach sum, isolation, overflow spread,
    /// per-move cost, the planned move overhead); the oracle's variants differ only in the peak floor and move cost given here.
    /// </summary>
    private IShardPlanner DefaultPlanner(SimulationContext context, double peakFloor, bool splitOnOverflowQuantile, double moveCostWeight) =>
        DefaultComponents.CreatePlanner(context, peakFloor, splitOnOverflowQuantile, moveCostWeight, _options.BreachSumWeight, _options.IsolationWeight, PlannedMoveOverhead, _options.PerMoveCost, _options.OverflowSpreadWeight);

    /// <summary>The move overhead the planned strategies' planner charges (<see cref="SimulationOptions.PlannerModelsMoveOverhead"/>).</summary>
    private double PlannedMoveOverhead => _options.PlannerModelsMoveOverhead ? _options.MoveOverheadShare : 0;

    /// <summary>
    /// The planned strategies' setting text for <see cref="SimulationOptions.BreachSumWeight"/>,
    /// <see cref="SimulationOptions.IsolationWeight"/>, <see cref="SimulationOptions.OverflowSpreadWeight"/>, <see cref="SimulationOptions.PerMoveCost"/> and
    /// <see cref="SimulationOptions.PlannerModelsMoveOverhead"/>; empty when all are off.
    /// </summary>
    private string PlannerSetting() =>
        (_options.BreachSumWeight > 0 ? string.Create(CultureInfo.InvariantCulture, $", breach sum weight {_options.BreachSumWeight:0.##}") : string.Empty)
        + (_options.IsolationWeight > 0 ? string.Create(CultureInfo.InvariantCulture, $", isolation weight {_options.IsolationWeight:0.##}") : string.Empty)
        + (_options.OverflowSpreadWeight > 0 ? string.Create(CultureInfo.InvariantCulture, $", overflow spread weight {_options.OverflowSpreadWeight:0.###}") : string.Empty)
        + (_options.PerMoveCost > 0 ? string.Create(CultureInfo.InvariantCulture, $", per-move cost {_options.PerMoveCost:0.###}") : string.Empty)
        + (PlannedMoveOverhead > 0 ? string.Create(CultureInfo.InvariantCulture, $", move overhead {PlannedMoveOverhead:0.##} planned for") : string.Empty);

    /// <summary>
    /// The predictive strategy's data-movement budget (<see cref="SimulationOptions.ReactiveByteBudget"/>): a shadow replay
    /// of the reactive strategy at the published QPS thresholds (<see cref="BudgetShadowSetting"/>) on the same trace and
    /// cluster, and one round of move slots of the initial average partition on top; null when the option is 0.
    /// </summary>
    private ReactiveByteBudget? ByteBudget(KeyLoads loads, ClusterSetup setup)
    {
        if (_options.ReactiveByteBudget <= 0)
        {
            return null;
        }

        var shadow = new ReactiveShadow(loads, setup, new ReactiveRebalancer("byte-budget shadow", BudgetShadowSetting(loads.Step), _options.Seed, _time));
        var averagePartitionBytes = (double)loads.KeyCount * setup.BytesPerKey / setup.InitialPartitions;
        return new ReactiveByteBudget(shadow, _options.ReactiveByteBudget, setup.MaxConcurrentMoves * averagePartitionBytes);
    }

    /// <summary>
    /// The reactive setting whose bytes the byte budget follows: CockroachDB's and TiKV's QPS split thresholds mapped to
    /// the node (<see cref="SimulationDefaults.PublishedQpsSplitThresholdShare"/>) over TiKV's detect window in whole steps.
    /// It used to be <c>reactive-default</c>'s CPU ratio of 0.25, which moves more than the lower threshold on most traces
    /// (it splits less, so the pieces it moves are bigger), and the comparison measures bytes against the best reactive
    /// setting, which is 0.03 on most rows: the budget let prediction past twice those bytes where it gained nothing.
    /// </summary>
    internal static ReactiveSettings BudgetShadowSetting(TimeSpan step) =>
        PublishedSetting(step) with { ThresholdShare = SimulationDefaults.PublishedQpsSplitThresholdShare };

    private PlannedRebalancer Planned(string name, ILoadForecaster forecaster, SimulationContext context, bool samplesFromFuture, int replaySteps, IShardPlanner? planner = null, int seasonalMinPeriod = 0, bool floorAtLastLoad = false, ReactiveByteBudget? byteBudget = null, int levelShiftSteps = 0)
    {
        planner ??= PlannerFactory is not null ? PlannerFactory(context)
            : DefaultPlanner(context, peakFloor: 0, _options.BurstAwareSplits, _options.MoveCostWeight);
        var settings = new PlannedSettings(
            context.HorizonSteps,
            _options.PlanEverySteps,
            _options.FineTuneEverySteps ?? Math.Max(_options.HorizonSteps, (int)Math.Ceiling((double)replaySteps / SimulationDefaults.MaxFineTunes)),
            Math.Max(_options.HistoryWindowSteps, 1),
            _options.PlannerUtilizationThreshold,
            _options.PlanningQuantile,
            SimulationDefaults.PlannerKeySamples,
            _options.CorrectMeasuredOverload,
            _options.BurstAwareSplits,
            seasonalMinPeriod,
            floorAtLastLoad,
            _options.BurstLevelSteps,
            _options.BurstBoundSingleKeys,
            _options.SingleKeyNeighbourCorrelation,
            _options.MeasuredSplitShare,
            _options.GrowthFromInitialRanges,
            levelShiftSteps,
            _options.StoreRebalanceBetweenPlans);
        return new PlannedRebalancer(name, forecaster, planner, settings, _time, _options.Seed) { SamplesFromFuture = samplesFromFuture, ByteBudget = byteBudget };
    }

    private static async Task<StrategyResult> ReplayAsync(KeyLoads loads, ClusterSetup setup, IRebalancer rebalancer, string name, IProgress<SimulationProgress>? progress, int run, int totalRuns, CancellationToken cancellationToken)
    {
        var cluster = new ClusterModel(loads, setup);
        var label = name == StrategyNames.Reactive ? name + " (" + rebalancer.Setting + ")" : name;
        var every = Math.Max(1, loads.StepCount / 100);
        progress?.Report(new SimulationProgress(label, "replay", 0, loads.StepCount, run, totalRuns));
        while (!cluster.Finished)
        {
            if (cluster.Step >= setup.WarmupSteps)
            {
                if (cluster.Step == setup.WarmupSteps && name == StrategyNames.Predictive)
                {
                    progress?.Report(new SimulationProgress(label, "train", cluster.Step, loads.StepCount, run, totalRuns));
                }

                await rebalancer.BeforeStepAsync(cluster, cancellationToken).ConfigureAwait(false);
            }

            cluster.Advance();
            if (cluster.Step % every == 0 || cluster.Finished)
            {
                progress?.Report(new SimulationProgress(label, "replay", cluster.Step, loads.StepCount, run, totalRuns));
            }
        }

        var metrics = cluster.Metrics;
        var planned = rebalancer as PlannedRebalancer;
        return new StrategyResult(name, rebalancer.Setting, setup.Nodes, metrics.Utilization.ToArray())
        {
            OverloadedNodeSteps = metrics.OverloadedNodeSteps,
            OverloadNodeMinutes = metrics.OverloadedNodeSteps * loads.Step.TotalMinutes,
            MoveOverloadedNodeSteps = metrics.MoveOverloadedNodeSteps,
            MoveOverloadNodeMinutes = metrics.MoveOverloadedNodeSteps * loads.Step.TotalMinutes,
            OverloadedRequestShare = metrics.Requests > 0 ? metrics.RequestsOnOverloadedNodes / metrics.Requests : 0,
            P99Utilization = metrics.UtilizationPercentile(99),
            Splits = metrics.Splits,
            Moves = metrics.Moves,
            BytesMoved = metrics.BytesMoved,
            ForecastSeconds = rebalancer.ForecastTime.TotalSeconds,
            PlanSeconds = rebalancer.PlanTime.TotalSeconds,
            Warnings = planned?.Warnings ?? [],
            Plans = planned?.Plans ?? 0,
            PlansStoppedAtTimeLimit = planned?.PlansStoppedAtTimeLimit ?? 0,
        };
    }
}
