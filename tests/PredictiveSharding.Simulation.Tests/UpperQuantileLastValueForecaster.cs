using PredictiveSharding.Forecasting;
using PredictiveSharding.Topology;

namespace PredictiveSharding.Simulation.Tests;

/// <summary>A tiny forecaster for tests: every future step equals the last observed value, at the median and at q0.99.</summary>
internal sealed class UpperQuantileLastValueForecaster : ILoadForecaster
{
    public string Name => "last-value (q0.5, q0.99)";

    public bool IsFitted { get; private set; }

    public Task FitAsync(LoadHistory history, IProgress<ForecasterProgress>? progress, CancellationToken cancellationToken)
    {
        IsFitted = true;
        return Task.CompletedTask;
    }

    public Task UpdateAsync(LoadHistory recent, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task<LoadForecast> ForecastAsync(ForecastRequest request, CancellationToken cancellationToken)
    {
        var partitions = new Dictionary<PartitionId, IReadOnlyDictionary<ResourceKind, QuantileSeries>>();
        foreach (var series in request.History.Series)
        {
            var last = series.Count == 0 ? 0 : series.Buckets[^1].Requests;
            var values = Enumerable.Repeat(last, request.Horizon * 2).ToArray();
            partitions[series.Partition] = new Dictionary<ResourceKind, QuantileSeries> { [ResourceKind.Requests] = new QuantileSeries(request.Horizon, 2, values) };
        }

        return Task.FromResult(new LoadForecast(request.History.Series[0].End, request.History.Step, [0.5, 0.99], partitions));
    }
}
