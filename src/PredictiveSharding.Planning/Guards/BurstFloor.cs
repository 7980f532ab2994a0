using PredictiveSharding.Forecasting;
using PredictiveSharding.Topology;

namespace PredictiveSharding.Planning.Guards;

/// <summary>
/// The upper forecast quantile as a burst bound: a forecaster trained on a partition's own past cannot foresee a surge that
/// partition has never had, but the cluster's past shows how fast load has grown in one step. Each partition's burst is its
/// level (its last measured load, or the median of its last few; <see cref="ForecastGuardOptions.BurstLevelSteps"/>)
/// times the largest one-step growth the cluster has shown from a load at least as large as the partition's
/// (<see cref="GrowthEnvelope"/>): a surge of a large range is judged by how large ranges have surged, not by the jump
/// of a trickle. The forecast's top quantile (at or above <see cref="MinQuantile"/>, the one the planner checks
/// capacity overflow at) is raised to it, so the planner splits and spreads a partition whose burst could overflow its
/// node before the burst, not after. The median and the other quantiles stay the forecaster's, so the plan's thresholds
/// and move costs still follow the forecast.
/// </summary>
internal static class BurstFloor
{
    /// <summary>The lowest forecast quantile raised: the planner's overflow quantile.</summary>
    public const double MinQuantile = 0.99;

    /// <summary>
    /// Steps whose previous load lies below this share of a node's capacity do not count as growth: from near zero any
    /// ratio is possible and says nothing about load that matters.
    /// </summary>
    public const double MinBaseShare = 0.05;

    /// <summary>
    /// Adds to <paramref name="envelope"/> the one-step growth of <paramref name="partition"/>'s loads into each step from
    /// <paramref name="fromStep"/> on, each as the step's load over the level of the <paramref name="levelSteps"/> steps
    /// before it, and only after its <see cref="GuardedPartition.OwnFrom"/> (before it, a split child's history is its
    /// parent's or its range's, not its own), counting only steps that start from at least
    /// <see cref="MinBaseShare"/> × its node's capacity. Called with the first step not yet scanned, it keeps every growth
    /// the cluster has ever shown: a surge does not become less possible because the last one was long ago. The growth is
    /// measured from the same level the bound is applied to, so that the two agree whatever the level's length.
    /// </summary>
    public static void Scan(GuardedPartition partition, int fromStep, GrowthEnvelope envelope, int levelSteps = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(levelSteps, 1);
        ArgumentNullException.ThrowIfNull(partition);
        ArgumentNullException.ThrowIfNull(envelope);
        var capacity = partition.NodeCapacity;
        if (!(capacity > 0) || double.IsPositiveInfinity(capacity))
        {
            return;
        }

        var history = partition.Loads;
        // In long: OwnFrom may be any non-negative int, and int.MaxValue + 1 wrapped round to scan every inherited step.
        var first = Math.Max(1L, Math.Max(fromStep, partition.OwnFrom + 1L));
        for (var t = (int)Math.Min(first, history.Count); t < history.Count; t++)
        {
            var level = Level(history, t, partition.OwnFrom, levelSteps);
            if (level >= MinBaseShare * capacity)
            {
                envelope.Add(level / capacity, history[t] / level);
            }
        }
    }

    /// <summary>
    /// The forecast with every quantile at or above <see cref="MinQuantile"/> raised to each partition's level (the median
    /// of its last <paramref name="levelSteps"/> own loads) times the envelope's growth for a load of that size; unchanged
    /// when the forecast has no such quantile (e.g. an exact future) or the envelope has seen no growth, and for partitions not in <paramref name="partitions"/> or whose node
    /// capacity is unknown, and for the partitions in <paramref name="unbounded"/> (null: none).
    /// </summary>
    public static LoadForecast Apply(IReadOnlyDictionary<PartitionId, GuardedPartition> partitions, LoadForecast forecast, GrowthEnvelope envelope, int levelSteps = 1, IReadOnlySet<PartitionId>? unbounded = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(levelSteps, 1);
        ArgumentNullException.ThrowIfNull(partitions);
        ArgumentNullException.ThrowIfNull(forecast);
        ArgumentNullException.ThrowIfNull(envelope);
        var from = ForecastFloor.FirstQuantileAtOrAbove(forecast, MinQuantile);
        if (from < 0 || envelope.IsEmpty)
        {
            return forecast;
        }

        return ForecastFloor.Apply(
            forecast,
            id => partitions.TryGetValue(id, out var p) && p.NodeCapacity > 0 && !double.IsPositiveInfinity(p.NodeCapacity) && unbounded?.Contains(id) != true ? Bound(p, envelope, levelSteps) : null,
            from);
    }

    private static double Bound(GuardedPartition partition, GrowthEnvelope envelope, int levelSteps)
    {
        var level = Level(partition.Loads, partition.Loads.Count, partition.OwnFrom, levelSteps);
        return level * envelope.At(level / partition.NodeCapacity);
    }

    /// <summary>
    /// The median of the loads of the <paramref name="steps"/> steps before index <paramref name="end"/> that are the
    /// partition's own (from <paramref name="ownFrom"/> on); the step just before <paramref name="end"/> alone when none of
    /// the window is its own (a split child's first step); 0 before any step.
    /// </summary>
    internal static double Level(IReadOnlyList<double> loads, int end, int ownFrom, int steps)
    {
        if (end <= 0)
        {
            return 0;
        }

        var from = Math.Min(end - 1, Math.Max(ownFrom, end - steps));
        var count = end - from;
        if (count == 1)
        {
            return loads[end - 1];
        }

        // A short window (a setting of a few to tens of steps): sorting a stack copy is cheaper than anything cleverer.
        Span<double> window = count <= 256 ? stackalloc double[count] : new double[count];
        for (var i = 0; i < count; i++)
        {
            window[i] = loads[from + i];
        }

        window.Sort();
        return count % 2 == 1 ? window[count / 2] : (window[(count / 2) - 1] + window[count / 2]) / 2;
    }
}
