using PredictiveSharding.Forecasting;
using PredictiveSharding.Simulation.Cluster;

namespace PredictiveSharding.Simulation.Strategies.Planned;

/// <summary>
/// The upper forecast quantile as a burst bound: a forecaster trained on a partition's own past cannot foresee a surge that
/// partition has never had, but the cluster's past shows how fast any partition's load has grown in one step. The largest
/// such growth, applied to each partition's measured load, is what the next step could bring; the forecast's top quantile
/// (at or above <see cref="MinQuantile"/>, the one the planner checks capacity overflow at) is raised to it, so the planner
/// splits and spreads a partition whose burst could overflow its node before the burst, not after. The median and the
/// other quantiles stay the forecaster's, so the plan's thresholds and move costs still follow the forecast.
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
    /// The largest one-step growth ratio (at least <paramref name="seen"/>) of any current partition's load over the steps
    /// from <paramref name="fromStep"/> on, counting only steps that start from at least <see cref="MinBaseShare"/> ×
    /// capacity. Called with the last result and the first step not yet scanned, it keeps the largest growth the cluster
    /// has ever shown: a surge does not become less possible because the last one was long ago.
    /// </summary>
    public static double GrowthRatio(ClusterModel cluster, int fromStep, double seen = 1)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        var minBase = MinBaseShare * cluster.Setup.NodeCapacity;
        var ratio = Math.Max(1, seen);
        foreach (var partition in cluster.Partitions)
        {
            var history = partition.History;
            for (var t = Math.Max(1, fromStep); t < history.Count; t++)
            {
                if (history[t - 1] >= minBase)
                {
                    ratio = Math.Max(ratio, history[t] / history[t - 1]);
                }
            }
        }

        return ratio;
    }

    /// <summary>
    /// The forecast with every quantile at or above <see cref="MinQuantile"/> raised to each partition's measured load times
    /// <paramref name="growth"/>; unchanged when the forecast has no such quantile (e.g. the oracle's exact future).
    /// </summary>
    public static LoadForecast Apply(ClusterModel cluster, LoadForecast forecast, double growth)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        ArgumentNullException.ThrowIfNull(forecast);
        var from = -1;
        for (var q = 0; q < forecast.Quantiles.Count && from < 0; q++)
        {
            if (forecast.Quantiles[q] >= MinQuantile - 1e-9)
            {
                from = q;
            }
        }

        if (from < 0 || growth <= 1)
        {
            return forecast;
        }

        return ForecastFloor.Apply(forecast, id => cluster.Find(id) is { } partition ? partition.LastLoad * growth : null, from);
    }
}
