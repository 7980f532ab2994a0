using System.Globalization;
using PredictiveSharding.Forecasting;
using PredictiveSharding.Keys;
using PredictiveSharding.Planning;
using PredictiveSharding.Planning.Guards;
using PredictiveSharding.Simulation.Cluster;
using PredictiveSharding.Simulation.Strategies.Reactive;
using PredictiveSharding.Telemetry;
using PredictiveSharding.Topology;

namespace PredictiveSharding.Simulation.Strategies.Planned;

/// <summary>
/// Forecast, then plan: at the first step after the warm-up the forecaster is trained on the warm-up; every
/// <see cref="PlannedSettings.PlanEverySteps"/> it forecasts each partition over the horizon from the past only, the planner
/// turns that into splits and moves, splits apply at once (they move no data) and the moves, no more than can start before
/// the next plan (<see cref="PlanningConstraints.MaxMovesPerPlan"/>), start as soon as a move slot is free. A new plan replaces
/// the moves of the previous one that have not started; running moves finish. The forecaster is fine-tuned every
/// <see cref="PlannedSettings.FineTuneEverySteps"/> on the recent past.
/// </summary>
internal sealed class PlannedRebalancer : IRebalancer
{
    private readonly ILoadForecaster _forecaster;
    private readonly IShardPlanner _planner;
    private readonly PlannedSettings _settings;
    private readonly TimeProvider _time;
    /// <summary>
    /// A measurement above this quantile of the forecast made for its step contradicts the forecast: the upper end of the
    /// central 80% interval, the interval a calibrated forecaster's coverage80 refers to.
    /// </summary>
    private const double SurpriseQuantile = 0.9;

    private readonly List<PendingMove> _pending = [];

    /// <summary>The moves in the last plan (the store rebalancer waits while a plan is moving data).</summary>
    private int _lastPlanMoves;

    /// <summary>Each current partition's buckets of the history window (<see cref="Buckets"/>), kept between plans; each list ends at <see cref="_bucketsEnd"/>.</summary>
    private Dictionary<SimPartition, List<LoadBucket>> _buckets = [];
    private int _bucketsEnd;
    private readonly List<string> _warnings = [];
    private int _firstStep = -1;
    private int _lastFineTune;
    private long _plans;
    private long _plansStoppedAtTimeLimit;
    private long _corrections;
    private long _correctedPartitions;
    private LoadForecast? _lastForecast;
    private int _lastForecastStep;
    private TimeSpan _forecastTime;
    private TimeSpan _planTime;
    private readonly ForecastGuard? _lastLoadGuard;
    private readonly ForecastGuard _guard;
    private int _growthScannedTo;

    /// <summary>The key ranges [Lo, Hi) of the partitions at the first step (<see cref="PlannedSettings.GrowthFromInitialRanges"/>).</summary>
    private List<(int Lo, int Hi)>? _initialRanges;
    private readonly Random _splitRandom;

    public PlannedRebalancer(string name, ILoadForecaster forecaster, IShardPlanner planner, PlannedSettings settings, TimeProvider time, int seed = 1)
    {
        _splitRandom = new Random(seed);
        Name = name;
        _forecaster = forecaster ?? throw new ArgumentNullException(nameof(forecaster));
        _planner = planner ?? throw new ArgumentNullException(nameof(planner));
        _settings = settings ?? throw new ArgumentNullException(nameof(settings));
        _time = time ?? throw new ArgumentNullException(nameof(time));

        // The last-load floor applies to the forecaster's output itself (before the measured-overload correction, which
        // compares a measurement with the floored forecast); the seasonal floor and burst bound apply after it.
        _lastLoadGuard = settings.FloorAtLastLoad ? new ForecastGuard(new ForecastGuardOptions { FloorAtLastLoad = true, BoundBursts = false }) : null;
        var guardOptions = new ForecastGuardOptions
        {
            FloorAtLastLoad = false,
            BoundBursts = settings.BurstAware,
            BurstLevelSteps = settings.BurstLevelSteps,
            BoundSingleKeyBursts = settings.BoundSingleKeys,
            SingleKeyNeighbourCorrelation = settings.SingleKeyNeighbourCorrelation,
            SeasonalMinPeriod = settings.SeasonalMinPeriod > 0 ? settings.SeasonalMinPeriod : null,
            SeasonalWindow = settings.HistoryWindowSteps,
            LevelShiftSteps = settings.LevelShiftSteps > 0 ? settings.LevelShiftSteps : null,
        };
        _guard = new ForecastGuard(guardOptions);

        // The period search shows periods up to a quarter of its window; the minimum is derived from the forecaster's
        // context, so a short history window leaves the floor off. Said, not refused: the run is still a valid one without
        // the floor (at the defaults, 25 against 512 / 4, it never happens).
        if (guardOptions.SeasonalMinPeriod is { } minPeriod && minPeriod > guardOptions.LongestSeasonalPeriod)
        {
            Warn(string.Create(CultureInfo.InvariantCulture, $"seasonal floor off: periods of at least {minPeriod} steps cannot show in a history window of {settings.HistoryWindowSteps} steps (at most a quarter of it, {guardOptions.LongestSeasonalPeriod}); a window of at least {4 * minPeriod} steps (SimulationOptions.HistoryWindowSteps) turns it on."));
        }
    }

    public string Name { get; }

    public string Setting => string.Create(
        CultureInfo.InvariantCulture,
        $"{_forecaster.Name}{(_settings.FloorAtLastLoad ? " (floored at the last load)" : string.Empty)} + {_planner.GetType().Name}: horizon {_settings.HorizonSteps} steps, plan every {_settings.PlanEverySteps}, fine-tune every {_settings.FineTuneEverySteps}, q{_settings.PlanningQuantile:0.##} under {_settings.UtilizationThreshold:0.##} × capacity{(_settings.SeasonalMinPeriod > 0 ? $", seasonal floor (periods ≥ {_settings.SeasonalMinPeriod} steps)" : string.Empty)}{(_settings.BurstAware ? ", burst-aware splits" : string.Empty)}{(_settings.BurstAware && _settings.BurstLevelSteps > 1 ? $" (burst level: median of {_settings.BurstLevelSteps} steps)" : string.Empty)}{(_settings.BurstAware && !_settings.BoundSingleKeys ? " (single keys unbounded)" : string.Empty)}{(_settings.BurstAware && _settings.BoundSingleKeys && _settings.SingleKeyNeighbourCorrelation > -1 ? FormattableString.Invariant($" (single keys bounded when moving with a neighbour, r ≥ {_settings.SingleKeyNeighbourCorrelation:0.##})") : string.Empty)}{(_settings.BurstAware && _settings.GrowthFromInitialRanges ? " (growth also learnt from the initial key ranges)" : string.Empty)}{(_settings.LevelShiftSteps > 0 ? $", level-shift floor after {_settings.LevelShiftSteps} steps above 2 × q0.9" : string.Empty)}{(_settings.MeasuredSplitShare > 0 ? FormattableString.Invariant($", load-based splits above {_settings.MeasuredSplitShare:0.###} × capacity") : string.Empty)}{(_settings.StoreRebalance ? ", store rebalancer while the plan moves nothing" : string.Empty)}");

    public TimeSpan ForecastTime => _forecastTime;

    public TimeSpan PlanTime => _planTime;

    /// <summary>What went wrong along the way (a forecaster that could not train yet, actions that no longer applied).</summary>
    public IReadOnlyList<string> Warnings => _warnings;

    public long Plans => _plans;

    /// <summary>Plans whose search the planner's time limit cut short (<see cref="ShardingPlan.StoppedAtTimeLimit"/>).</summary>
    public long PlansStoppedAtTimeLimit => _plansStoppedAtTimeLimit;

    /// <summary>Plans whose forecast was corrected because a node was measured over capacity.</summary>
    public long Corrections => _corrections;

    /// <summary>Partition forecasts raised to a seasonal floor (<see cref="ForecastGuardOptions.SeasonalMinPeriod"/>), over all plans.</summary>
    public long SeasonalPartitions => _guard.SeasonalPartitions;

    /// <summary>Partition forecasts raised to the measured load by <see cref="CorrectMeasuredOverload"/>, over all plans.</summary>
    public long CorrectedPartitions => _correctedPartitions;

    public async ValueTask BeforeStepAsync(ClusterModel cluster, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        cancellationToken.ThrowIfCancellationRequested();
        var step = cluster.Step;
        if (_firstStep < 0)
        {
            _firstStep = step;
        }

        if (_settings.BurstAware && step > _growthScannedTo)
        {
            // Before anything splits: a partition that the measured split below replaces takes the growth into the step
            // just replayed with it (its children's own history starts after it), and that growth is often the surge
            // that made it hot.
            foreach (var partition in Guarded(cluster))
            {
                _guard.ObserveGrowth(partition, _growthScannedTo);
            }

            if (_settings.GrowthFromInitialRanges)
            {
                ObserveInitialRangeGrowth(cluster, step);
            }

            _growthScannedTo = step;
        }

        if (step > 0 && _settings.MeasuredSplitShare > 0)
        {
            // The database's own load-based split, after one hot step (TiKV's 10-second detect window in steps of 10 s or more).
            LoadBasedSplit.Apply(cluster, _settings.MeasuredSplitShare, 1, _splitRandom, ".m");
        }

        if ((step - _firstStep) % _settings.PlanEverySteps == 0 && step > 0 && await EnsureForecasterAsync(cluster, cancellationToken).ConfigureAwait(false))
        {
            await PlanAsync(cluster, cancellationToken).ConfigureAwait(false);
        }

        StartPendingMoves(cluster);
        if (_settings.StoreRebalance && step > 0 && _lastPlanMoves == 0 && _pending.Count == 0)
        {
            // The database's own balancer keeps running under the planner, as its load-based split does above; it acts
            // only while the plan moves nothing, so it never undoes a placement the plan has just chosen for the forecast.
            ReactiveRebalancer.Rebalance(cluster);
        }
    }

    private async Task<bool> EnsureForecasterAsync(ClusterModel cluster, CancellationToken cancellationToken)
    {
        var step = cluster.Step;
        var started = _time.GetTimestamp();
        try
        {
            if (!_forecaster.IsFitted)
            {
                await _forecaster.FitAsync(TrainingHistory(cluster), null, cancellationToken).ConfigureAwait(false);
                _lastFineTune = step;
            }
            else if (step - _lastFineTune >= _settings.FineTuneEverySteps)
            {
                await _forecaster.UpdateAsync(History(cluster, _settings.HistoryWindowSteps), cancellationToken).ConfigureAwait(false);
                _lastFineTune = step;
            }

            return true;
        }
        catch (ArgumentException e) when (!_forecaster.IsFitted)
        {
            // Too little history to train yet (e.g. no warm-up): the strategy waits and tries again at the next plan.
            Warn(string.Create(CultureInfo.InvariantCulture, $"step {step}: forecaster not trained yet: {e.Message}"));
            return false;
        }
        finally
        {
            _forecastTime += _time.GetElapsedTime(started);
        }
    }

    private async Task PlanAsync(ClusterModel cluster, CancellationToken cancellationToken)
    {
        var step = cluster.Step;
        var loads = cluster.Loads;
        var history = History(cluster, _settings.HistoryWindowSteps);
        var started = _time.GetTimestamp();
        LoadForecast forecast;
        try
        {
            forecast = await _forecaster.ForecastAsync(new ForecastRequest(history, _settings.HorizonSteps), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _forecastTime += _time.GetElapsedTime(started);
        }

        var guarded = Guarded(cluster);
        if (_lastLoadGuard is not null)
        {
            forecast = _lastLoadGuard.Apply(forecast, guarded, cancellationToken);
        }

        if (_settings.CorrectMeasuredOverload)
        {
            var raw = forecast;
            forecast = CorrectMeasuredOverload(cluster, forecast);
            _lastForecast = raw;
            _lastForecastStep = step;
        }

        // A period longer than the forecaster's context (a half-hourly timer in per-minute data) is invisible to it; the
        // partition's own past shows it, so its median is raised to what came back in each recent period. A surge the
        // partition never had is bounded by the growth the cluster has shown from loads as large.
        forecast = _guard.Apply(forecast, guarded, cancellationToken);

        started = _time.GetTimestamp();
        try
        {
            var now = loads.StartOf(step);
            var constraints = Constraints(cluster);
            if (ByteBudget is not null)
            {
                // Moves of an earlier plan that have not started are replaced by this plan, so only started moves count.
                var remaining = await ByteBudget.RemainingAsync(step, cluster.Metrics.BytesMoved, cancellationToken).ConfigureAwait(false);
                constraints = constraints with { MoveBudgetBytes = Math.Min(constraints.MoveBudgetBytes, remaining) };
            }

            var request = new PlanningRequest(Snapshot(cluster), forecast, constraints, now)
            {
                LastChanged = LastChanged(cluster, now),
            };
            var plan = await _planner.PlanAsync(request, cancellationToken).ConfigureAwait(false);
            _plans++;
            if (plan.StoppedAtTimeLimit)
            {
                _plansStoppedAtTimeLimit++;
            }
            foreach (var warning in plan.Warnings)
            {
                Warn(string.Create(CultureInfo.InvariantCulture, $"step {step}: planner: {warning}"));
            }

            Apply(cluster, plan);
        }
        finally
        {
            _planTime += _time.GetElapsedTime(started);
        }
    }

    /// <summary>
    /// The forecast is a prior and what a node measures is the correction: on a node whose load at the last replayed step
    /// (move overhead included) exceeded its capacity, every partition is forecast at least at its measured load over the
    /// whole horizon, so the planner treats the overload as the breach it already is and moves load off now, as a reactive
    /// system would, instead of trusting a forecast that missed it. Elsewhere the forecast stands.
    /// </summary>
    internal LoadForecast CorrectMeasuredOverload(ClusterModel cluster, LoadForecast forecast)
    {
        var measured = cluster.LastNodeLoad;
        var capacity = cluster.Setup.NodeCapacity;
        var over = new bool[measured.Length];
        var any = false;
        for (var n = 0; n < measured.Length; n++)
        {
            over[n] = measured[n] > capacity;
            any |= over[n];
        }

        if (!any)
        {
            return forecast;
        }

        var previous = _lastForecast;
        var previousStep = cluster.Step - 1 - _lastForecastStep;
        var corrected = ForecastGuard.RaiseTo(forecast, id =>
        {
            if (cluster.Find(id) is not { } partition || !over[partition.Node])
            {
                return null;
            }

            // Only where the measurement contradicts the forecast: the load just measured lies above the upper quantile the
            // last forecast gave for that step (or there was none, e.g. a new split child). A node over capacity within
            // what was forecast is a risk the plan already took knowingly; correcting it would chase noise.
            if (previous is not null && previousStep >= 0 && previousStep < previous.Horizon && previous.Partitions.ContainsKey(id)
                && partition.LastLoad <= previous.ValueAt(id, ResourceKind.Requests, previousStep, SurpriseQuantile))
            {
                return null;
            }

            _correctedPartitions++;
            return partition.LastLoad;
        });
        _corrections++;
        return corrected;
    }

    /// <summary>
    /// Learns the growth of the key ranges of the partitions there were at the first step into the steps not yet scanned:
    /// evidence that does not depend on how this strategy (or the load-based split under it) has cut them since. Each
    /// range's loads are read from the trace for the scanned steps and the level's steps before them only, so a step costs
    /// the same however long the replay has run.
    /// </summary>
    private void ObserveInitialRangeGrowth(ClusterModel cluster, int step)
    {
        _initialRanges ??= cluster.Partitions.Select(p => (p.Lo, p.Hi)).ToList();
        var from = Math.Max(0, _growthScannedTo - _settings.BurstLevelSteps);
        var capacity = cluster.Setup.NodeCapacity;
        for (var i = 0; i < _initialRanges.Count; i++)
        {
            var (lo, hi) = _initialRanges[i];
            var loads = cluster.Loads.RangeSeries(lo, hi, from, step);
            var range = new GuardedPartition(new PartitionId(string.Create(CultureInfo.InvariantCulture, $"initial-range-{i}")), loads, capacity) { KeyCount = hi - lo };
            _guard.ObserveGrowth(range, _growthScannedTo - from);
        }
    }

    /// <summary>The current partitions as the forecast guards see them: their whole history, own from their creation, on nodes of the cluster's capacity.</summary>
    private static List<GuardedPartition> Guarded(ClusterModel cluster)
    {
        var capacity = cluster.Setup.NodeCapacity;
        var guarded = new List<GuardedPartition>(cluster.Partitions.Count);
        foreach (var partition in cluster.Partitions)
        {
            guarded.Add(new GuardedPartition(partition.Id, partition.History, capacity) { OwnFrom = partition.CreatedAtStep, KeyCount = partition.KeyCount, Range = RangeOf(cluster.Loads, partition.Lo, partition.Hi) });
        }

        return guarded;
    }

    private void Apply(ClusterModel cluster, ShardingPlan plan)
    {
        _pending.Clear();
        _lastPlanMoves = 0;
        foreach (var action in plan.Actions)
        {
            switch (action)
            {
                case SplitAction split:
                    ApplySplit(cluster, split);
                    break;
                case MoveAction move:
                    // The plan holds only the moves that can start before the next plan (MaxMovesPerPlan), so each starts
                    // as soon as a slot is free. Deferring one to its latest start (the plan's start-by) left slots idle
                    // now and, as every plan is capped the same way, a breach needing more moves than one step's slots
                    // could not be prepared in time: the oracle lost 3-7 overloaded node-days on the Wikipedia traces.
                    _lastPlanMoves++;
                    _pending.Add(new PendingMove(move.Shard, NodeIndex(move.From, cluster.Setup.Nodes), NodeIndex(move.To, cluster.Setup.Nodes)));
                    break;
                default:
                    Warn($"step {cluster.Step}: {action.GetType().Name} is not simulated; skipped.");
                    break;
            }
        }

        // Moves off the most loaded node first, so that the move slots go to the moves that relieve a hot node rather than
        // to the ones that make room elsewhere.
        var nodeLoad = new double[cluster.Setup.Nodes];
        foreach (var partition in cluster.Partitions)
        {
            nodeLoad[partition.Node] += partition.LastLoad;
        }

        _pending.Sort((a, b) => nodeLoad[b.FromNode].CompareTo(nodeLoad[a.FromNode]));
    }

    private void ApplySplit(ClusterModel cluster, SplitAction split)
    {
        var partition = cluster.Find(split.Partition);
        if (partition is null || partition.Moving)
        {
            Warn($"step {cluster.Step}: split of '{split.Partition}' skipped: the partition is gone or moving.");
            return;
        }

        var cuts = new int[split.SplitKeys.Count];
        var previous = partition.Lo;
        for (var i = 0; i < cuts.Length; i++)
        {
            cuts[i] = cluster.Loads.LowerBound(split.SplitKeys[i]);
            if (cuts[i] <= previous || cuts[i] >= partition.Hi)
            {
                Warn($"step {cluster.Step}: split of '{split.Partition}' at '{split.SplitKeys[i]}' skipped: no trace key boundary strictly inside the partition there.");
                return;
            }

            previous = cuts[i];
        }

        cluster.Split(partition, cuts, split.NewPartitions);
    }

    private void StartPendingMoves(ClusterModel cluster)
    {
        for (var i = 0; i < _pending.Count && cluster.HasMoveSlot;)
        {
            var move = _pending[i];
            _pending.RemoveAt(i);
            var partition = cluster.Find(move.Partition);
            if (partition is null || partition.Moving || partition.Node == move.ToNode)
            {
                continue;
            }

            cluster.TryStartMove(partition, move.ToNode);
        }
    }

    /// <summary>The current partitions' recent load, with their metadata (key ranges, sizes) as a host would report it.</summary>
    private LoadHistory History(ClusterModel cluster, int window)
    {
        var step = cluster.Step;
        var from = Math.Max(0, step - window);
        var series = new List<PartitionLoadSeries>(cluster.Partitions.Count);
        var infos = new List<PartitionInfo>(cluster.Partitions.Count);
        var cached = new Dictionary<SimPartition, List<LoadBucket>>(cluster.Partitions.Count);
        foreach (var partition in cluster.Partitions)
        {
            var buckets = Buckets(cluster.Loads, partition, from, step);
            cached[partition] = buckets;
            series.Add(new PartitionLoadSeries(partition.Id, cluster.Loads.Step, buckets));
            infos.Add(Info(cluster, partition, partition.Node));
        }

        // Only the partitions that still exist keep their buckets.
        _buckets = cached;
        _bucketsEnd = step;
        return new LoadHistory(series, infos);
    }

    /// <summary>
    /// The partition's buckets of steps [<paramref name="from"/>, <paramref name="step"/>). A past step's load never changes
    /// and buckets are immutable, so each is made once per partition and reused by every later plan while it stays in the
    /// window: a plan every step used to rebuild the whole window of every partition (a few hundred partitions × 512 steps
    /// of allocations per step).
    /// </summary>
    private List<LoadBucket> Buckets(KeyLoads loads, SimPartition partition, int from, int step)
    {
        int start;
        if (_buckets.TryGetValue(partition, out var buckets) && _bucketsEnd >= from)
        {
            start = _bucketsEnd - buckets.Count;
        }
        else
        {
            // New (a split child), or everything kept has left the window.
            buckets = new List<LoadBucket>(step - from);
            start = from;
        }

        for (var s = start + buckets.Count; s < step; s++)
        {
            buckets.Add(LoadBucket.OfRequests(loads.StartOf(s), partition.History[s]));
        }

        if (from > start)
        {
            buckets.RemoveRange(0, from - start);
        }

        return buckets;
    }

    /// <summary>
    /// The warm-up the forecaster trains on: the partitions, and their halves, quarters and so on by key count down to
    /// single keys (the shapes partitions take after splits, which go down to one hot key), so the model sees loads at
    /// every granularity it will be asked to forecast. With halves and quarters only, the children the planner cuts out
    /// of a hot range (one to three keys) lay outside everything trained on and the forecaster could only answer for the
    /// smallest partition it knew.
    /// </summary>
    private static LoadHistory TrainingHistory(ClusterModel cluster)
    {
        var step = cluster.Step;
        var loads = cluster.Loads;
        var series = new List<PartitionLoadSeries>();
        var infos = new List<PartitionInfo>();
        foreach (var partition in cluster.Partitions)
        {
            series.Add(Series(loads, partition.Id, partition.History, 0, step));
            infos.Add(Info(cluster, partition, partition.Node));
            for (var parts = 2; parts <= partition.KeyCount; parts *= 2)
            {
                for (var i = 0; i < parts; i++)
                {
                    var lo = partition.Lo + (int)((long)i * partition.KeyCount / parts);
                    var hi = partition.Lo + (int)((long)(i + 1) * partition.KeyCount / parts);
                    var id = new PartitionId(string.Create(CultureInfo.InvariantCulture, $"{partition.Id}~{i + 1}/{parts}"));
                    series.Add(Series(loads, id, loads.RangeSeries(lo, hi, 0, step), 0, step));
                    infos.Add(new PartitionInfo(id, RangeOf(loads, lo, hi), NodeId(partition.Node), (hi - lo) * cluster.Setup.BytesPerKey, hi - lo));
                }
            }
        }

        return new LoadHistory(series, infos);
    }

    private static PartitionLoadSeries Series(KeyLoads loads, PartitionId id, IReadOnlyList<double> values, int from, int to)
    {
        var buckets = new LoadBucket[to - from];
        for (var s = from; s < to; s++)
        {
            buckets[s - from] = LoadBucket.OfRequests(loads.StartOf(s), values[s]);
        }

        return new PartitionLoadSeries(id, loads.Step, buckets);
    }

    /// <summary>
    /// The cluster as the planner sees it: a partition that is moving is shown where it is going (and is in cooldown, so the
    /// planner leaves it), with key samples weighted by requests over a horizon's worth of steps.
    /// </summary>
    private ClusterSnapshot Snapshot(ClusterModel cluster)
    {
        var now = cluster.Step;
        var (from, to) = SamplesFromFuture ? (now, now + _settings.HorizonSteps) : (Math.Max(0, now - _settings.HorizonSteps), now);
        var nodes = new NodeInfo[cluster.Setup.Nodes];
        var capacity = new Dictionary<ResourceKind, double> { [ResourceKind.Requests] = cluster.Setup.NodeCapacity };
        for (var n = 0; n < nodes.Length; n++)
        {
            nodes[n] = new NodeInfo(NodeId(n), capacity);
        }

        var partitions = new List<PartitionInfo>(cluster.Partitions.Count);
        foreach (var partition in cluster.Partitions)
        {
            partitions.Add(Info(cluster, partition, cluster.DestinationOf(partition)) with
            {
                KeySamples = KeySampler.Sample(cluster.Loads, partition, from, to, _settings.MaxKeySamples),
            });
        }

        return new ClusterSnapshot(nodes, partitions, _plans);
    }

    /// <summary>
    /// True when key samples weigh keys by the requests of the horizon ahead (the oracle, which reads the trace ahead);
    /// false (a forecasting strategy) weighs them by the same number of steps just past.
    /// </summary>
    public bool SamplesFromFuture { get; init; }

    /// <summary>The data-movement budget against a reactive shadow (<see cref="SimulationOptions.ReactiveByteBudget"/>); null: none beyond the plan's own.</summary>
    public ReactiveByteBudget? ByteBudget { get; init; }

    private PlanningConstraints Constraints(ClusterModel cluster)
    {
        var setup = cluster.Setup;
        var stepSeconds = cluster.Loads.Step.TotalSeconds;
        return new PlanningConstraints
        {
            PlanningQuantile = _settings.PlanningQuantile,
            DefaultUtilizationThreshold = _settings.UtilizationThreshold,

            // Sizes are synthetic (bytes per key), so only load decides splits.
            MaxPartitionBytes = null,

            // What the cluster can copy before the next plan with every move slot busy: more could not start before the
            // next plan replaces this one anyway, and a larger budget only invites reshuffles.
            MoveBudgetBytes = (long)Math.Min(long.MaxValue / 2, setup.MoveBandwidthBytesPerStep * _settings.PlanEverySteps * setup.MaxConcurrentMoves),
            MaxConcurrentMoves = setup.MaxConcurrentMoves,

            // The moves that can start before the next plan replaces this one: the slots free now, then every slot at each
            // later step (a move of an average partition takes one step). A longer list only queues, and which of its moves
            // start is then decided by the queue order rather than by the planner's objective.
            MaxMovesPerPlan = Math.Max(1, setup.MaxConcurrentMoves - cluster.RunningMoves.Count + (setup.MaxConcurrentMoves * (_settings.PlanEverySteps - 1))),
            MoveBandwidthBytesPerSecond = setup.MoveBandwidthBytesPerStep / stepSeconds,

            // At least one step, so that a partition on its way (shown at its target, changed "now") is left alone.
            Cooldown = cluster.Loads.Step * Math.Max(1, setup.CooldownSteps),
            LocalityWeight = 0,
            AllowMerges = false,
        };
    }

    private static Dictionary<PartitionId, DateTimeOffset> LastChanged(ClusterModel cluster, DateTimeOffset now)
    {
        var changed = new Dictionary<PartitionId, DateTimeOffset>();
        foreach (var partition in cluster.Partitions)
        {
            if (partition.Moving)
            {
                changed[partition.Id] = now;
            }
            else if (cluster.Step - partition.ChangedAtStep < cluster.Setup.CooldownSteps)
            {
                changed[partition.Id] = cluster.Loads.StartOf(partition.ChangedAtStep);
            }
        }

        return changed;
    }

    private static PartitionInfo Info(ClusterModel cluster, SimPartition partition, int node) =>
        new(partition.Id, RangeOf(cluster.Loads, partition.Lo, partition.Hi), NodeId(node), cluster.BytesOf(partition), partition.KeyCount);

    /// <summary>Keys [lo, hi) as a key range that, together with its neighbours, covers the whole key space.</summary>
    private static KeyRange RangeOf(KeyLoads loads, int lo, int hi) =>
        new(lo == 0 ? ShardKey.Empty : loads.Keys[lo], hi >= loads.KeyCount ? null : loads.Keys[hi]);

    private static NodeId NodeId(int node) => new("n" + node.ToString(CultureInfo.InvariantCulture));

    private static int NodeIndex(NodeId node, int nodes)
    {
        if (node.Value.Length > 1 && node.Value[0] == 'n' && int.TryParse(node.Value.AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture, out var index) && index < nodes)
        {
            return index;
        }

        throw new InvalidOperationException($"The planner named node '{node}', which is not in the simulated cluster.");
    }

    private void Warn(string warning)
    {
        // Enough to diagnose; a long replay must not accumulate without bound.
        if (_warnings.Count < 100)
        {
            _warnings.Add(warning);
        }
    }
}
