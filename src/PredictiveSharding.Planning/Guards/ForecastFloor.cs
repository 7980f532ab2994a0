using PredictiveSharding.Forecasting;
using PredictiveSharding.Topology;

namespace PredictiveSharding.Planning.Guards;

/// <summary>Raises a forecast's request values, every quantile and step, to a floor per partition.</summary>
internal static class ForecastFloor
{
    /// <summary>
    /// The forecast with each partition's request quantiles from index <paramref name="fromQuantile"/> up raised to at least
    /// <paramref name="floorOf"/>'s value for it; lower quantiles, partitions it gives no floor for (null) and other
    /// resources are unchanged.
    /// </summary>
    public static LoadForecast Apply(LoadForecast forecast, Func<PartitionId, double?> floorOf, int fromQuantile = 0)
    {
        ArgumentNullException.ThrowIfNull(forecast);
        ArgumentNullException.ThrowIfNull(floorOf);
        var partitions = new Dictionary<PartitionId, IReadOnlyDictionary<ResourceKind, QuantileSeries>>(forecast.Partitions.Count);
        foreach (var (partition, resources) in forecast.Partitions)
        {
            if (floorOf(partition) is not { } floor || !resources.TryGetValue(ResourceKind.Requests, out var series))
            {
                partitions[partition] = resources;
                continue;
            }

            var values = new double[series.Steps * series.QuantileCount];
            for (var s = 0; s < series.Steps; s++)
            {
                for (var q = 0; q < series.QuantileCount; q++)
                {
                    values[(s * series.QuantileCount) + q] = q >= fromQuantile ? Math.Max(series[s, q], floor) : series[s, q];
                }
            }

            var floored = new Dictionary<ResourceKind, QuantileSeries>(resources) { [ResourceKind.Requests] = new QuantileSeries(series.Steps, series.QuantileCount, values) };
            partitions[partition] = floored;
        }

        return new LoadForecast(forecast.Origin, forecast.Step, forecast.Quantiles, partitions);
    }
}
