using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using PredictiveSharding.Forecasting;
using PredictiveSharding.Topology;

namespace PredictiveSharding.Planning.Guards;

/// <summary>
/// Guards a forecast before it is planned on, against what a forecaster trained on each partition's own recent past
/// cannot see: a level the load has held for several steps that the forecaster does not follow
/// (<see cref="ForecastGuardOptions.LevelShiftSteps"/>), the load measured just now
/// (<see cref="ForecastGuardOptions.FloorAtLastLoad"/>), a burst the partition has
/// never had but partitions of its size have (<see cref="ForecastGuardOptions.BoundBursts"/>), and a period longer than
/// the forecaster's context (<see cref="ForecastGuardOptions.SeasonalMinPeriod"/>). Every guard only raises forecast
/// values, never lowers them.
/// </summary>
/// <remarks>
/// Stateful: the growth the burst bound uses accumulates over every <see cref="ObserveGrowth"/> call, because a surge
/// does not become less possible because the last one was long ago. Not thread-safe; one guard per control loop.
/// </remarks>
public sealed class ForecastGuard
{
    private readonly GrowthEnvelope _growth = new();

    // The guard's own validated copy, never handed out: ForecastGuardOptions is mutable, so a caller holding this object
    // could turn guards on or set values the constructor would have refused.
    private readonly ForecastGuardOptions _options;

    /// <summary>Creates a guard with the given settings (copied).</summary>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A setting is out of range.</exception>
    public ForecastGuard(ForecastGuardOptions options)
        : this(options, null)
    {
    }

    /// <summary>
    /// Creates a guard with the given settings (copied), logging a warning (event 4007) when a setting it takes cannot
    /// take effect: a <see cref="ForecastGuardOptions.SeasonalMinPeriod"/> above a quarter of
    /// <see cref="ForecastGuardOptions.SeasonalWindow"/>, the longest period the window can show.
    /// </summary>
    /// <param name="options">The settings.</param>
    /// <param name="logger">Logger; null for none.</param>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A setting is out of range.</exception>
    public ForecastGuard(ForecastGuardOptions options, ILogger? logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options.Clone();

        // A warning, not a refusal: the simulation derives this pair from its history window and the forecaster's
        // context, and a short window (a user's --history-window) then simply has no seasonal floor, as the period
        // search has always decided; refusing would fail such runs. Hosts that set the pair themselves are refused by
        // ControlLoopOptions.Validate.
        if (_options.SeasonalMinPeriod is { } minPeriod && minPeriod > _options.LongestSeasonalPeriod)
        {
            PlanningLog.SeasonalFloorOff(logger ?? NullLogger.Instance, minPeriod, _options.SeasonalWindow, _options.LongestSeasonalPeriod);
        }
    }

    /// <summary>
    /// The guard's settings: a new copy of those it was created with on every read, so changing it does not change the
    /// guard (create another guard for other settings).
    /// </summary>
    public ForecastGuardOptions Options => _options.Clone();

    /// <summary>
    /// False until <see cref="ObserveGrowth"/> has seen a one-step growth from a meaningful load (at least 5% of a node's
    /// capacity), true from then on; while false, the burst bound raises nothing.
    /// </summary>
    public bool HasObservedGrowth => !_growth.IsEmpty;

    /// <summary>Partition forecasts raised by the seasonal floor, over every <see cref="Apply(LoadForecast, IEnumerable{GuardedPartition}, CancellationToken)"/> call.</summary>
    public long SeasonalPartitions { get; private set; }

    /// <summary>
    /// Partition forecasts raised to a held level (<see cref="ForecastGuardOptions.LevelShiftSteps"/>), over every
    /// <see cref="Apply(LoadForecast, IEnumerable{GuardedPartition}, CancellationToken)"/> call.
    /// </summary>
    public long LevelShiftPartitions { get; private set; }

    /// <summary>
    /// Learns the one-step growth of <paramref name="partition"/>'s loads into each step from index <paramref name="from"/>
    /// on (and from its <see cref="GuardedPartition.OwnFrom"/> + 1 on), each step's load over the level before it (the
    /// median of <see cref="ForecastGuardOptions.BurstLevelSteps"/> own steps), counting only steps whose level is at
    /// least 5% of its node's capacity: from near zero any ratio is possible and says nothing about load that matters. Call it with
    /// the steps not yet observed; observing a step twice does no harm.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="partition"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="from"/> is negative.</exception>
    public void ObserveGrowth(GuardedPartition partition, int from)
    {
        ArgumentNullException.ThrowIfNull(partition);
        ArgumentOutOfRangeException.ThrowIfNegative(from);
        BurstFloor.Scan(partition, from, _growth, _options.BurstLevelSteps);
    }

    /// <summary>
    /// The forecast with the enabled guards applied, in order: the level-shift floor (which compares the loads with the
    /// forecast as given), the last-load floor, the seasonal floor, the burst bound. Partitions of the forecast missing
    /// from <paramref name="partitions"/> are unchanged.
    /// </summary>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="partitions"/> names a partition more than once.</exception>
    public LoadForecast Apply(LoadForecast forecast, IEnumerable<GuardedPartition> partitions) => Apply(forecast, partitions, CancellationToken.None);

    /// <summary>
    /// As <see cref="Apply(LoadForecast, IEnumerable{GuardedPartition})"/>, asking <paramref name="cancellationToken"/>
    /// before each guard and before each partition's period search (the seasonal floor's search costs about
    /// window² / 4 per partition, the longest work here). A cancelled call changes no count.
    /// </summary>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="partitions"/> names a partition more than once.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public LoadForecast Apply(LoadForecast forecast, IEnumerable<GuardedPartition> partitions, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(forecast);
        ArgumentNullException.ThrowIfNull(partitions);
        var byId = new Dictionary<PartitionId, GuardedPartition>();
        foreach (var partition in partitions)
        {
            ArgumentNullException.ThrowIfNull(partition, nameof(partitions));

            // Two histories of one partition: which one the guards would use is the caller's mistake, not ours to pick.
            if (!byId.TryAdd(partition.Partition, partition))
            {
                throw new ArgumentException($"Partition '{partition.Partition}' appears more than once in the guarded partitions.", nameof(partitions));
            }
        }

        // The counts are added only once every guard has run, so a cancelled call leaves them as they were.
        var shiftedPartitions = 0;
        var flooredPartitions = 0;
        cancellationToken.ThrowIfCancellationRequested();
        if (_options.LevelShiftSteps is { } shiftSteps)
        {
            forecast = LevelShiftFloor.Apply(byId, forecast, shiftSteps, out shiftedPartitions);
        }

        if (_options.FloorAtLastLoad)
        {
            forecast = ForecastFloor.Apply(forecast, id => byId.TryGetValue(id, out var p) ? p.LastLoad : null);
        }

        if (_options.SeasonalMinPeriod is { } minPeriod)
        {
            cancellationToken.ThrowIfCancellationRequested();
            forecast = SeasonalFloor.Apply(byId, forecast, _options.SeasonalWindow, minPeriod, out flooredPartitions, cancellationToken);
        }

        cancellationToken.ThrowIfCancellationRequested();
        if (_options.BoundBursts)
        {
            // Single keys left unbounded: all of them, or (by default) those whose load moves with no key-order neighbour's.
            IReadOnlySet<PartitionId>? unbounded = !_options.BoundSingleKeyBursts
                ? byId.Values.Where(p => p.KeyCount == 1).Select(p => p.Partition).ToHashSet()
                : _options.SingleKeyNeighbourCorrelation > -1 ? NeighbourCoMovement.MovingAlone(byId, _options.SingleKeyNeighbourCorrelation) : null;
            forecast = BurstFloor.Apply(byId, forecast, _growth, _options.BurstLevelSteps, unbounded);
        }

        LevelShiftPartitions += shiftedPartitions;
        SeasonalPartitions += flooredPartitions;
        return forecast;
    }

    /// <summary>
    /// The forecast with every request value (each quantile and step) of each partition raised to at least
    /// <paramref name="floorOf"/>'s value for it; partitions it gives null, or a value that is not a finite number, for
    /// are unchanged. A building block for a
    /// host's own corrections (e.g. raising the partitions of a node measured over capacity to their measured load).
    /// </summary>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    public static LoadForecast RaiseTo(LoadForecast forecast, Func<PartitionId, double?> floorOf) => ForecastFloor.Apply(forecast, floorOf);
}
