using PredictiveSharding.Forecasting;
using PredictiveSharding.Simulation.Cluster;

namespace PredictiveSharding.Simulation.Strategies.Planned;

/// <summary>
/// The upper forecast quantile as a burst bound: a forecaster trained on a partition's own past cannot foresee a surge that
/// partition has never had, but the cluster's past shows how fast load has grown in one step. Each partition's burst is its
/// measured load times the largest one-step growth the cluster has shown from a load at least as large as the
/// partition's (<see cref="GrowthEnvelope"/>): a surge of a large range is judged by how large ranges have surged, not by
/// the jump of a trickle. The forecast's top quantile (at or above <see cref="MinQuantile"/>, the one the planner checks
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
    /// Adds to <paramref name="envelope"/> the one-step growth of every current partition over the steps from
    /// <paramref name="fromStep"/> on (a split child from its split on: before it, its parent's history holds the same
    /// load), counting only steps that start from at least <see cref="MinBaseShare"/> × capacity. Called with the first
    /// step not yet scanned, it keeps every growth the cluster has ever shown: a surge does not become less possible
    /// because the last one was long ago.
    /// </summary>
    public static void Scan(ClusterModel cluster, int fromStep, GrowthEnvelope envelope)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        ArgumentNullException.ThrowIfNull(envelope);
        var capacity = cluster.Setup.NodeCapacity;
        foreach (var partition in cluster.Partitions)
        {
            var history = partition.History;
            for (var t = Math.Max(1, Math.Max(fromStep, partition.CreatedAtStep + 1)); t < history.Count; t++)
            {
                if (history[t - 1] >= MinBaseShare * capacity)
                {
                    envelope.Add(history[t - 1] / capacity, history[t] / history[t - 1]);
                }
            }
        }
    }

    /// <summary>
    /// The forecast with every quantile at or above <see cref="MinQuantile"/> raised to each partition's measured load
    /// times the envelope's growth for a load of that size; unchanged when the forecast has no such quantile (e.g. the
    /// oracle's exact future) or the envelope has seen no growth.
    /// </summary>
    public static LoadForecast Apply(ClusterModel cluster, LoadForecast forecast, GrowthEnvelope envelope)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        ArgumentNullException.ThrowIfNull(forecast);
        ArgumentNullException.ThrowIfNull(envelope);
        var from = TopQuantileIndex(forecast);
        if (from < 0 || envelope.IsEmpty)
        {
            return forecast;
        }

        var capacity = cluster.Setup.NodeCapacity;
        return ForecastFloor.Apply(forecast, id => cluster.Find(id) is { } partition ? partition.LastLoad * envelope.At(partition.LastLoad / capacity) : null, from);
    }

    /// <summary>The index of the lowest forecast quantile at or above <see cref="MinQuantile"/>, or −1.</summary>
    private static int TopQuantileIndex(LoadForecast forecast)
    {
        for (var q = 0; q < forecast.Quantiles.Count; q++)
        {
            if (forecast.Quantiles[q] >= MinQuantile - 1e-9)
            {
                return q;
            }
        }

        return -1;
    }
}
