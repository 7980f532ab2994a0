using PredictiveSharding.Forecasting;
using PredictiveSharding.Topology;

namespace PredictiveSharding.Planning.Guards;

/// <summary>Raises a forecast's request values to a floor per partition (constant, or one per forecast step).</summary>
internal static class ForecastFloor
{
    /// <summary>
    /// The forecast with each partition's request quantiles from index <paramref name="fromQuantile"/> up raised to at least
    /// <paramref name="floorOf"/>'s value for it; lower quantiles, partitions it gives no floor for (null) or a floor that
    /// is not a finite number, and other resources are unchanged.
    /// </summary>
    public static LoadForecast Apply(LoadForecast forecast, Func<PartitionId, double?> floorOf, int fromQuantile = 0)
    {
        ArgumentNullException.ThrowIfNull(floorOf);
        return ApplyPerStep(forecast, id => floorOf(id) is { } floor ? _ => floor : null, fromQuantile, out _);
    }

    /// <summary>
    /// The forecast with each partition's request quantiles from index <paramref name="fromQuantile"/> up raised, at every
    /// forecast step s, to at least the value of the step floor <paramref name="floorOf"/> gives for it; lower quantiles,
    /// partitions it gives no floor for (null), steps whose floor is not a finite number and other resources are
    /// unchanged. <paramref name="raised"/> counts the partitions with at least one value raised.
    /// </summary>
    public static LoadForecast ApplyPerStep(LoadForecast forecast, Func<PartitionId, Func<int, double>?> floorOf, int fromQuantile, out int raised)
    {
        ArgumentNullException.ThrowIfNull(forecast);
        ArgumentNullException.ThrowIfNull(floorOf);
        raised = 0;
        var partitions = new Dictionary<PartitionId, IReadOnlyDictionary<ResourceKind, QuantileSeries>>(forecast.Partitions.Count);
        foreach (var (partition, resources) in forecast.Partitions)
        {
            partitions[partition] = resources;
            if (!resources.TryGetValue(ResourceKind.Requests, out var series) || floorOf(partition) is not { } floorAt)
            {
                continue;
            }

            var values = new double[series.Steps * series.QuantileCount];
            var any = false;
            for (var s = 0; s < series.Steps; s++)
            {
                var floor = floorAt(s);
                for (var q = 0; q < series.QuantileCount; q++)
                {
                    var value = series[s, q];
                    // A floor that is not a finite number (a glitch in the loads it came from) raises nothing: no
                    // forecast value may be infinite.
                    if (q >= fromQuantile && floor > value && double.IsFinite(floor))
                    {
                        value = floor;
                        any = true;
                    }

                    values[(s * series.QuantileCount) + q] = value;
                }
            }

            if (any)
            {
                raised++;
                partitions[partition] = new Dictionary<ResourceKind, QuantileSeries>(resources) { [ResourceKind.Requests] = new QuantileSeries(series.Steps, series.QuantileCount, values) };
            }
        }

        return new LoadForecast(forecast.Origin, forecast.Step, forecast.Quantiles, partitions);
    }

    /// <summary>The index of the lowest forecast quantile at or above <paramref name="level"/>, or −1 when there is none.</summary>
    public static int FirstQuantileAtOrAbove(LoadForecast forecast, double level)
    {
        ArgumentNullException.ThrowIfNull(forecast);
        for (var q = 0; q < forecast.Quantiles.Count; q++)
        {
            if (forecast.Quantiles[q] >= level - 1e-9)
            {
                return q;
            }
        }

        return -1;
    }
}
