using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using PredictiveSharding.Executing;
using PredictiveSharding.Forecasting;
using PredictiveSharding.Hosting.Diagnostics;
using PredictiveSharding.Hosting.History;
using PredictiveSharding.Hosting.Inventory;
using PredictiveSharding.Planning;
using PredictiveSharding.Planning.Guards;
using PredictiveSharding.Routing;
using PredictiveSharding.Telemetry;
using PredictiveSharding.Topology;

namespace PredictiveSharding.Hosting.ControlLoop;

/// <summary>
/// The continuous loop, one cycle per call: harvest the recorder, update the forecast, plan, execute. A host that is
/// not a generic-host application (a database engine's own process) calls <see cref="RunCycleAsync"/> on its own
/// schedule; <c>AddPredictiveSharding</c> runs it as a hosted service.
/// </summary>
/// <remarks>Cycles never overlap: a call made while one runs waits for it.</remarks>
public sealed class ShardingControlLoop : IDisposable
{
    private readonly IRoutingTable _routing;
    private readonly LoadRecorder _recorder;
    private readonly ILoadForecaster _forecaster;
    private readonly IShardPlanner _planner;
    private readonly IPlanExecutor _executor;
    private readonly IClusterInventory _inventory;
    private readonly ControlLoopOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ControlLoopMetrics _metrics;
    private readonly SemaphoreSlim _oneCycleAtATime = new(1, 1);
    private volatile bool _disposed;
    private readonly PartitionHistory _history;

    /// <summary>The first map's ranges' loads, while the burst bound learns growth from them too; else null.</summary>
    private readonly InitialRangeLoads? _initialRanges;
    private readonly ForecastGuard _guard;
    private DateTimeOffset? _growthObservedThrough;
    private readonly Dictionary<PartitionId, DateTimeOffset> _lastChanged = [];
    private LoadForecast? _previousForecast;
    private int _cyclesSinceTraining;
    private readonly ProgressClock _progress;
    private long _runningSinceUtcTicks = -1;
    private long _lastSuccessTimestamp;

    /// <summary>
    /// Creates a loop over the host's routing, recorder and inventory and the chosen forecaster, planner and executor. The
    /// options are copied and validated here, so changing them afterwards does not affect this loop. Without a
    /// <paramref name="timeProvider"/> the loop reads the recorder's clock (<see cref="LoadRecorder.TimeProvider"/>).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    /// <exception cref="ArgumentNullException">An argument, or <see cref="ControlLoopOptions.Constraints"/> or <see cref="ControlLoopOptions.ForecastGuard"/>, is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="timeProvider"/> reads a time a bucket or more (and a second or more) away from the recorder's clock.</exception>
    public ShardingControlLoop(
        IRoutingTable routing,
        LoadRecorder recorder,
        ILoadForecaster forecaster,
        IShardPlanner planner,
        IPlanExecutor executor,
        IClusterInventory inventory,
        ControlLoopOptions options,
        TimeProvider? timeProvider = null,
        ILogger<ShardingControlLoop>? logger = null,
        IMeterFactory? meterFactory = null)
    {
        ArgumentNullException.ThrowIfNull(routing);
        ArgumentNullException.ThrowIfNull(recorder);
        ArgumentNullException.ThrowIfNull(forecaster);
        ArgumentNullException.ThrowIfNull(planner);
        ArgumentNullException.ThrowIfNull(executor);
        ArgumentNullException.ThrowIfNull(inventory);
        ArgumentNullException.ThrowIfNull(options);

        // A validated copy, as LoadRecorder and the executor keep theirs: the loop read the host's object every cycle, so a
        // later change to it (a value out of range, a threshold in the constraints' dictionary) reached the running loop
        // unvalidated. The guard's options are its own copy, which the loop reads too.
        var settings = options.Copy();
        settings.Validate();
        _guard = new ForecastGuard(settings.ForecastGuard, logger);
        settings.ForecastGuard = _guard.Options;
        _routing = routing;
        _recorder = recorder;
        _forecaster = forecaster;
        _planner = planner;
        _executor = executor;
        _inventory = inventory;
        _options = settings;
        // The recorder's clock by default: buckets close on it, and planning on another clock (the system's, when a host
        // replays recorded time on a fake one) makes every forecast look years stale to the planner.
        _time = timeProvider ?? recorder.TimeProvider;
        ThrowIfClocksDisagree(_time, recorder);
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _metrics = new ControlLoopMetrics(meterFactory);
        _history = new PartitionHistory(settings.MaxHistoryBuckets);
        _initialRanges = settings.GrowthFromInitialRanges && settings.ForecastGuard.BoundBursts ? new InitialRangeLoads(settings.MaxHistoryBuckets) : null;
        CreatedAt = _time.GetUtcNow();
        _lastSuccessTimestamp = _time.GetTimestamp();
        _progress = new ProgressClock(_time);
    }

    /// <summary>
    /// Refuses a clock of the loop's own that is a bucket or more (and a second or more) away from the recorder's. Buckets
    /// are labelled on the recorder's clock and plans made on the loop's: apart, every cycle after the warm-up failed, the
    /// planners refusing each forecast as stale once the loop's Now passed its last step (a loop given the system's clock
    /// over a recorder replaying recorded time on a fake one), or planning at a Now before the load it was forecasting.
    /// </summary>
    private static void ThrowIfClocksDisagree(TimeProvider timeProvider, LoadRecorder recorder)
    {
        if (ReferenceEquals(timeProvider, recorder.TimeProvider))
        {
            return;
        }

        var loopNow = timeProvider.GetUtcNow();
        var recorderNow = recorder.TimeProvider.GetUtcNow();
        var tolerance = recorder.BucketLength > TimeSpan.FromSeconds(1) ? recorder.BucketLength : TimeSpan.FromSeconds(1);
        if ((loopNow - recorderNow).Duration() >= tolerance)
        {
            throw new ArgumentException(
                string.Create(
                    System.Globalization.CultureInfo.InvariantCulture,
                    $"The loop's clock reads {loopNow:O} and its recorder's (LoadRecorder.TimeProvider) {recorderNow:O}: they must agree within a bucket ({recorder.BucketLength}), since buckets are labelled on the recorder's clock and plans made on the loop's. Give the loop the recorder's clock, or none (it then uses the recorder's)."),
                nameof(timeProvider));
        }
    }

    /// <summary>When the loop was made: the health check counts time without a completed cycle from here until the first one.</summary>
    internal DateTimeOffset CreatedAt { get; }

    /// <summary>
    /// The <see cref="TimeProvider.GetTimestamp"/> of the last completed cycle, or of the loop's creation before the first:
    /// the health check measures time without a completed cycle on it, since the wall clock can step (NTP, a suspend).
    /// </summary>
    internal long LastSuccessTimestamp => Interlocked.Read(ref _lastSuccessTimestamp);

    /// <summary>The <see cref="TimeProvider.GetTimestamp"/> of the last progress (<see cref="LastProgress"/>), or null when never.</summary>
    internal long? LastProgressTimestamp => _progress.LastTimestamp;

    /// <summary>The loop's own validated copy of its options (the hosted service takes its interval from it).</summary>
    internal ControlLoopOptions Options => _options;

    /// <summary>The bucket length of the recorder the loop harvests.</summary>
    internal TimeSpan BucketLength => _recorder.BucketLength;

    /// <summary>The loop's clock, on which <see cref="LastSuccessTimestamp"/> and <see cref="LastProgressTimestamp"/> are read.</summary>
    internal TimeProvider Time => _time;

    /// <summary>When the cycle running now started, or null when none runs.</summary>
    internal DateTimeOffset? RunningSince => Interlocked.Read(ref _runningSinceUtcTicks) is var ticks and >= 0 ? new DateTimeOffset(ticks, TimeSpan.Zero) : null;

    /// <summary>
    /// When the work of a cycle last advanced: a stage started, a training epoch ended, or the executor reported a move's
    /// progress (<see cref="IPlanExecutor.ExecuteAsync(ShardingPlan, IProgress{PlanExecutionProgress}, CancellationToken)"/>;
    /// the default <see cref="Execution.JournalledPlanExecutor"/> does for every chunk copied and state changed). Null when never.
    /// </summary>
    internal DateTimeOffset? LastProgress => _progress.Last;

    /// <summary>The last outcome of the loop.</summary>
    public ControlLoopStatus Status { get; } = new();

    /// <summary>Runs one cycle: harvest, forecast, plan and (unless <see cref="ControlLoopOptions.Execute"/> is off) execute.</summary>
    /// <exception cref="OperationCanceledException">Cancelled through <paramref name="cancellationToken"/>.</exception>
    /// <exception cref="ObjectDisposedException">The loop was disposed (before the call, or while it waited for the running cycle); no cycle ran.</exception>
    /// <remarks>Any other failure (an OperationCanceledException included when the token was not cancelled) is recorded in <see cref="Status"/>, metered, and rethrown; the loop's state stays usable for the next cycle.</remarks>
    public async Task<ControlCycleResult> RunCycleAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        await _oneCycleAtATime.WaitAsync(cancellationToken).ConfigureAwait(false);
        if (_disposed)
        {
            // A caller that was waiting for the running cycle when the loop was disposed does not start another; it ran no
            // cycle, so none failed (no failure metered, recorded in Status or logged as an error).
            _oneCycleAtATime.Release();
            ObjectDisposedException.ThrowIf(true, this);
        }

        try
        {
            Interlocked.Exchange(ref _runningSinceUtcTicks, _time.GetUtcNow().UtcTicks);
            var result = await RunCycleCoreAsync(cancellationToken).ConfigureAwait(false);
            _metrics.Cycles.Add(1);
            Interlocked.Exchange(ref _lastSuccessTimestamp, _time.GetTimestamp());
            Status.Succeeded(_time.GetUtcNow());
            return result;
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // An OperationCanceledException the caller did not ask for (a stage's own timeout) is a failed cycle too.
            _metrics.FailedCycles.Add(1);
            Status.Failed(_time.GetUtcNow(), e);
            Log.CycleFailed(_logger, e);
            throw;
        }
        finally
        {
            Interlocked.Exchange(ref _runningSinceUtcTicks, -1);
            _oneCycleAtATime.Release();
        }
    }

    private async Task<ControlCycleResult> RunCycleCoreAsync(CancellationToken cancellationToken)
    {
        // The map the harvest was taken against, not the table's map read again: every partition of it has a series for
        // the buckets harvested, so the history stays aligned when another writer publishes a new map in between (a
        // child missing a harvest leaves a hole in its history, and every later cycle would fail on it).
        _progress.Mark();
        var harvest = _recorder.Harvest();
        var map = harvest.Routing;
        RecordForecastError(harvest);
        _history.Append(harvest);
        _initialRanges?.Append(harvest);

        _progress.Mark();
        var snapshot = Returned(await _inventory.CaptureAsync(map, _history.LatestSamples, cancellationToken).ConfigureAwait(false), _inventory, nameof(IClusterInventory.CaptureAsync));
        if (harvest.Series.Count > 0)
        {
            // Only a harvest that closed a bucket measured anything new: a cycle run before the next bucket closed (a host
            // driving the loop faster than its buckets) recorded the last bucket's peak again.
            RecordActualPeak(snapshot, map);
        }
        if (_history.Length < _options.WarmupBuckets)
        {
            Log.Warming(_logger, _history.Length, _options.WarmupBuckets);
            return new ControlCycleResult(ControlCycleStage.Observed, null, null, null);
        }

        var history = _history.ToLoadHistory(map)!;
        _progress.Mark();
        if (!_forecaster.IsFitted || (_options.RetrainEveryCycles > 0 && _cyclesSinceTraining >= _options.RetrainEveryCycles))
        {
            await _forecaster.FitAsync(history, _progress, cancellationToken).ConfigureAwait(false);
            _cyclesSinceTraining = 0;
            Log.Trained(_logger, _forecaster.Name, history.Series.Count);
        }
        else
        {
            await _forecaster.UpdateAsync(history, cancellationToken).ConfigureAwait(false);
            _cyclesSinceTraining++;
        }

        _progress.Mark();
        var raw = Returned(await _forecaster.ForecastAsync(new ForecastRequest(history, _options.Horizon), cancellationToken).ConfigureAwait(false), _forecaster, nameof(ILoadForecaster.ForecastAsync));

        // The forecast error metric judges the forecaster; the plan is made on the guarded forecast.
        _previousForecast = raw;
        var forecast = Guard(raw, history, snapshot, cancellationToken);

        _progress.Mark();
        var started = _time.GetTimestamp();
        var request = new PlanningRequest(snapshot, forecast, PlanConstraints(), _time.GetUtcNow()) { LastChanged = new Dictionary<PartitionId, DateTimeOffset>(_lastChanged) };
        var plan = Returned(await _planner.PlanAsync(request, cancellationToken).ConfigureAwait(false), _planner, nameof(IShardPlanner.PlanAsync));
        var planMillis = _time.GetElapsedTime(started).TotalMilliseconds;
        Meter(plan, planMillis);
        var execute = _options.Execute && plan.Actions.Count > 0;
        if (!plan.Feasible)
        {
            if (execute)
            {
                Log.Infeasible(_logger, plan.Shortfall);
            }
            else
            {
                Log.InfeasibleNotExecuted(_logger, plan.Shortfall);
            }
        }

        if (!execute)
        {
            return new ControlCycleResult(ControlCycleStage.Planned, forecast, plan, null);
        }

        _progress.Mark();
        PlanExecutionSummary summary;
        try
        {
            summary = Complete(Returned(await _executor.ExecuteAsync(plan, _progress, cancellationToken).ConfigureAwait(false), _executor, nameof(IPlanExecutor.ExecuteAsync)), _executor);
        }
        catch (Exception e) when (e.Data[PlanExecutionSummary.ExceptionDataKey] is PlanExecutionSummary { Errors: not null, Actions: not null } partial)
        {
            // An executor that throws part-way through a plan attaches what the actions that ended did (the contract's key,
            // so that a host's own executor can; the journalled one does for an action's failed journal write or a bug): a
            // completed move is in force and its bytes were moved, so they are metered and logged as a returned plan's
            // are, and the plan counts in Status. The cycle still fails with the error. A plan the caller cancelled (a host
            // stopping) comes with its report too; it is no failure of the executor's, so it is metered and logged but not
            // counted in Status. A partial summary with a null list is not read: failing on it would replace the
            // executor's own exception.
            Executed(plan, partial, countInStatus: !(e is OperationCanceledException && cancellationToken.IsCancellationRequested));
            throw;
        }
        finally
        {
            // Also when the executor throws: the journalled one rethrows an action's failed journal write or store call
            // after the plan's other actions have run, and a partition whose split or move was published then must still
            // start its cooldown, or the next plan changes it again at once. The routing map says what happened.
            RememberChanges(plan);
        }

        Executed(plan, summary, countInStatus: true);
        return new ControlCycleResult(ControlCycleStage.Executed, forecast, plan, summary);
    }

    /// <summary>Meters, logs and (when <paramref name="countInStatus"/>) records in <see cref="Status"/> what the executor did with <paramref name="plan"/>.</summary>
    private void Executed(ShardingPlan plan, PlanExecutionSummary summary, bool countInStatus)
    {
        _metrics.BytesMoved.Add(summary.BytesMoved);
        Log.Executed(_logger, summary.Completed, summary.RolledBack, summary.BytesMoved, plan.MovedBytes);
        foreach (var error in summary.Errors)
        {
            Log.NotCompleted(_logger, error);
        }

        if (countInStatus)
        {
            // A move whose clean-up is pending took effect (its new owner serves the range; only the old copy awaits the
            // next recovery): progress, not a failed action, though the summary's Completed counts it out. A skipped
            // action took none, like a rolled-back one (ControlLoopStatus.ConsecutiveFailedPlans): a summary of only
            // skipped actions with no Errors (a host executor's) counted as no plan at all. An executor that reports no
            // per-action results is judged on its counts alone.
            var tookEffect = Math.Max(summary.Completed, summary.Actions.Count(a => a.TookEffect));
            var tookNone = Math.Max(summary.RolledBack, summary.Actions.Count(a => !a.TookEffect));
            var firstError = summary.Errors.Count > 0 ? summary.Errors[0] : summary.Actions.FirstOrDefault(a => !a.TookEffect && a.Error is not null)?.Error;
            Status.PlanExecuted(tookEffect, tookNone, firstError);
        }
    }

    /// <summary>
    /// <paramref name="value"/>, or an exception naming the component and call that returned null: the seams are the
    /// host's to implement, and a null went on to fail the cycle with a NullReferenceException from the loop's own code.
    /// </summary>
    private static T Returned<T>(T? value, object component, string call)
        where T : class =>
        value ?? throw new InvalidOperationException($"{component.GetType().Name}.{call} returned null; the control loop needs a result from it (the cycle fails, and the next interval tries again).");

    /// <summary>
    /// <paramref name="summary"/>, or an exception naming the executor and the list it left null: a record takes a null
    /// list, and the loop's own code then failed the cycle with a NullReferenceException that named neither.
    /// </summary>
    private static PlanExecutionSummary Complete(PlanExecutionSummary summary, IPlanExecutor executor)
    {
        var missing = summary.Errors is null ? nameof(PlanExecutionSummary.Errors) : summary.Actions is null ? nameof(PlanExecutionSummary.Actions) : null;
        return missing is null
            ? summary
            : throw new InvalidOperationException($"{executor.GetType().Name}.{nameof(IPlanExecutor.ExecuteAsync)} returned a {nameof(PlanExecutionSummary)} whose {missing} is null; give an empty list when there is nothing to report (the cycle fails, and the next interval tries again).");
    }

    /// <summary>The host's constraints, capped at one wave of moves unless the host chose a cap or turned it off (<see cref="ControlLoopOptions.CapMovesPerCycle"/>).</summary>
    private PlanningConstraints PlanConstraints() =>
        _options.CapMovesPerCycle && _options.Constraints.MaxMovesPerPlan is null
            ? _options.Constraints with { MaxMovesPerPlan = _options.Constraints.MaxConcurrentMoves }
            : _options.Constraints;

    /// <summary>
    /// The forecast raised by the guards (<see cref="ControlLoopOptions.ForecastGuard"/>): each partition's history, own
    /// from after what it inherited at a split, on its owner's request capacity. Growth is learnt from the buckets not
    /// seen by an earlier cycle.
    /// </summary>
    private LoadForecast Guard(LoadForecast forecast, LoadHistory history, ClusterSnapshot snapshot, CancellationToken cancellationToken)
    {
        var capacities = new Dictionary<NodeId, double>();
        foreach (var node in snapshot.Nodes)
        {
            capacities[node.Id] = node.Capacity.TryGetValue(ResourceKind.Requests, out var capacity) ? capacity : double.NaN;
        }

        var partitions = new Dictionary<PartitionId, PartitionInfo>();
        foreach (var partition in snapshot.Partitions)
        {
            partitions[partition.Id] = partition;
        }

        var guarded = new List<GuardedPartition>(history.Series.Count);
        var observedThrough = _growthObservedThrough;

        // Partitions that left the map since the last cycle first: one the host split right after it surged took the surge
        // with it (its children inherit that bucket, and inherited buckets teach no growth).
        // Taken every cycle, so that they do not pile up while the burst bound is off.
        var retiredPartitions = _history.TakeRetired();
        if (_options.ForecastGuard.BoundBursts)
        {
            foreach (var retired in retiredPartitions)
            {
                var successor = snapshot.Partitions.FirstOrDefault(p => p.Range.Overlaps(retired.Range));
                var capacity = successor is null ? double.NaN : capacities.GetValueOrDefault(successor.Node, double.NaN);
                var loads = retired.Buckets.Select(b => b.Requests).ToArray();
                var partition = new GuardedPartition(retired.Partition, loads, capacity) { OwnFrom = Math.Min(retired.InheritedBuckets, loads.Length) };
                _guard.ObserveGrowth(partition, FirstUnobserved(retired.Buckets));
            }
        }

        foreach (var series in history.Series)
        {
            var buckets = series.Buckets;
            var loads = series.RequestValues();

            // Unknown owner or capacity: NaN turns the burst bound off for this partition; the floors still apply.
            var info = partitions.GetValueOrDefault(series.Partition);
            var capacity = info is null ? double.NaN : capacities.GetValueOrDefault(info.Node, double.NaN);

            // A key count of 0 is a host that does not count keys (PartitionInfo allows it): unknown, not empty.
            var partition = new GuardedPartition(series.Partition, loads, capacity)
            {
                OwnFrom = Math.Min(_history.InheritedBuckets(series.Partition), loads.Length),
                KeyCount = info is { KeyCount: > 0 } ? info.KeyCount : null,
                Range = info?.Range,
            };
            guarded.Add(partition);
            if (_options.ForecastGuard.BoundBursts && buckets.Count > 0)
            {
                _guard.ObserveGrowth(partition, FirstUnobserved(buckets));
                observedThrough = observedThrough is { } seen && seen >= buckets[^1].Start ? seen : buckets[^1].Start;
            }
        }

        _growthObservedThrough = observedThrough;
        if (_initialRanges is not null)
        {
            ObserveInitialRangeGrowth(_initialRanges, capacities.Values);
        }

        return _guard.Apply(forecast, guarded, cancellationToken);
    }

    /// <summary>
    /// Learns the growth of the first map's key ranges into the buckets no earlier cycle observed. A range spans nodes, so
    /// its load is judged against the nodes' mean request capacity (none known: nothing is learnt).
    /// </summary>
    private void ObserveInitialRangeGrowth(InitialRangeLoads ranges, IEnumerable<double> capacities)
    {
        var known = capacities.Where(c => c > 0 && double.IsFinite(c)).ToList();
        var from = ranges.TakeUnobserved();
        if (known.Count == 0)
        {
            return;
        }

        var capacity = known.Average();
        for (var i = 0; i < ranges.Ranges.Count; i++)
        {
            _guard.ObserveGrowth(new GuardedPartition(ranges.Ranges[i], ranges.Loads[i], capacity), from);
        }
    }

    /// <summary>The index of the first bucket that starts after the growth an earlier cycle observed (0 before any).</summary>
    private int FirstUnobserved(IReadOnlyList<LoadBucket> buckets)
    {
        var from = buckets.Count;
        while (from > 0 && (_growthObservedThrough is not { } through || buckets[from - 1].Start > through))
        {
            from--;
        }

        return from;
    }

    private void Meter(ShardingPlan plan, double planMillis)
    {
        var splits = plan.Actions.Count(a => a is SplitAction);
        var moves = plan.Actions.Count(a => a is MoveAction);
        _metrics.Splits.Add(splits);
        _metrics.Moves.Add(moves);
        _metrics.PlanTime.Record(planMillis);
        _metrics.PredictedPeakUtilization.Record(plan.After.MaxUtilization);
        Log.Planned(_logger, plan.Actions.Count, splits, moves, plan.MovedBytes, plan.Before.MaxUtilization, plan.After.MaxUtilization, plan.Feasible, planMillis);
        if (plan.Warnings.Count > 0 && _logger.IsEnabled(LogLevel.Information))
        {
            Log.PlanNotes(_logger, plan.Warnings.Count, string.Join(" | ", plan.Warnings));
        }
    }

    // Cooldowns start for what the plan actually changed. A split or merge that did not happen leaves ids that are not in
    // the routing map (dropped below); a move that was rolled back leaves its shard where it was, and is not recorded: a
    // cooldown would only stop the planner from relieving the same hot node again, and the executor's own retries and
    // the failed-plan status already pace a move that keeps failing.
    private void RememberChanges(ShardingPlan plan)
    {
        var now = _time.GetUtcNow();
        var current = _routing.Current;
        foreach (var action in plan.Actions)
        {
            switch (action)
            {
                case SplitAction split:
                    foreach (var child in split.NewPartitions)
                    {
                        _lastChanged[child] = now;
                    }

                    break;
                case MoveAction move when current.Contains(move.Shard) && current.Get(move.Shard).Node == move.To:
                    _lastChanged[move.Shard] = now;
                    break;
                case MergeAction merge:
                    _lastChanged[merge.Merged] = now;
                    break;
            }
        }

        foreach (var gone in _lastChanged.Keys.Where(id => !current.Contains(id)).ToList())
        {
            _lastChanged.Remove(gone);
        }
    }

    private void RecordForecastError(LoadHarvest harvest)
    {
        if (_previousForecast is not { } forecast)
        {
            return;
        }

        double error = 0;
        double actual = 0;
        var median = forecast.Quantiles.Contains(0.5) ? 0.5 : forecast.Quantiles[forecast.Quantiles.Count / 2];
        foreach (var series in harvest.Series)
        {
            // A partition split or merged away since the forecast holds only the part of the bucket before the change (and
            // its pieces were not forecast): judged against its whole forecast it read as a large error after every split.
            // A bucket the recorder moved over when it re-anchored its labels to the wall clock (a step forward, a suspend)
            // was not measured: its zero (or the few requests counted late in it) read as a large error. The bucket
            // measured next is labelled later than the forecast's first step, so nothing is judged in that cycle.
            var at = IndexOf(series.Buckets, forecast.Origin);
            var bucket = at >= harvest.BucketsMovedOver ? series.Buckets[at] : null;
            if (bucket is null || !harvest.Routing.Contains(series.Partition) || !forecast.Partitions.TryGetValue(series.Partition, out var resources) || !resources.ContainsKey(ResourceKind.Requests))
            {
                continue;
            }

            error += Math.Abs(bucket.Requests - forecast.ValueAt(series.Partition, ResourceKind.Requests, 0, median));
            actual += bucket.Requests;
        }

        if (actual > 0)
        {
            _metrics.ForecastError.Record(error / actual);
        }
    }

    /// <summary>The index of the bucket starting at <paramref name="start"/>, or -1.</summary>
    private static int IndexOf(IReadOnlyList<LoadBucket> buckets, DateTimeOffset start)
    {
        for (var i = 0; i < buckets.Count; i++)
        {
            if (buckets[i].Start == start)
            {
                return i;
            }
        }

        return -1;
    }

    private void RecordActualPeak(ClusterSnapshot snapshot, RoutingMap map)
    {
        var perNode = new Dictionary<NodeId, double>();
        foreach (var route in map.Routes)
        {
            if (_history.Last(route.Partition) is { } bucket)
            {
                perNode[route.Node] = perNode.GetValueOrDefault(route.Node) + bucket.Requests;
            }
        }

        var peak = 0.0;
        foreach (var node in snapshot.Nodes)
        {
            if (node.Capacity.TryGetValue(ResourceKind.Requests, out var capacity) && capacity > 0)
            {
                peak = Math.Max(peak, perNode.GetValueOrDefault(node.Id) / capacity);
            }
        }

        _metrics.ActualPeakUtilization.Record(peak);
    }

    /// <inheritdoc />
    /// <remarks>
    /// A cycle still running (a host whose shutdown timeout passed) finishes; callers waiting for it then get an
    /// <see cref="ObjectDisposedException"/> rather than a cycle. The semaphore is deliberately not disposed: disposing it
    /// under a running cycle made that cycle's release throw and left a caller waiting for it hanging for good (a
    /// <see cref="SemaphoreSlim"/> holds no unmanaged handle unless its wait handle is asked for, which this one's never is).
    /// </remarks>
    public void Dispose()
    {
        _disposed = true;
        _metrics.Dispose();
    }
}
