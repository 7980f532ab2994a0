using PredictiveSharding.Forecasting;
using PredictiveSharding.Topology;

namespace PredictiveSharding.Planning.Tests.Guards;

/// <summary>Forecasts and partitions for the guard tests.</summary>
internal static class GuardForecasts
{
    public static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>The same value at every step and quantile for each of the partitions.</summary>
    public static LoadForecast Constant(IEnumerable<PartitionId> partitions, double[] quantiles, double value, int steps = 4)
    {
        var series = new Dictionary<PartitionId, IReadOnlyDictionary<ResourceKind, QuantileSeries>>();
        foreach (var partition in partitions)
        {
            series[partition] = new Dictionary<ResourceKind, QuantileSeries> { [ResourceKind.Requests] = new QuantileSeries(steps, quantiles.Length, Enumerable.Repeat(value, steps * quantiles.Length).ToArray()) };
        }

        return new LoadForecast(Start, TimeSpan.FromMinutes(1), quantiles, series);
    }

    /// <summary>Every request value of the partition, step by step, each step's quantiles in order.</summary>
    public static IEnumerable<double> Values(LoadForecast forecast, PartitionId partition)
    {
        for (var s = 0; s < forecast.Horizon; s++)
        {
            foreach (var q in forecast.Quantiles)
            {
                yield return forecast.ValueAt(partition, ResourceKind.Requests, s, q);
            }
        }
    }
}
