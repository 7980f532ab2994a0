using PredictiveSharding.Forecasting;
using PredictiveSharding.Topology;

namespace PredictiveSharding.Simulation.Tests;

/// <summary>A tiny forecaster for tests: every future step and quantile equals the last observed value.</summary>
internal sealed class LastValueForecaster : ILoadForecaster
{
    public string Name => "last-value";

    public bool IsFitted { get; private set; }

    public int Updates { get; private set; }

    /// <summary>The history the last <see cref="FitAsync"/> was given.</summary>
    public LoadHistory? FittedOn { get; private set; }

    public Task FitAsync(LoadHistory history, IProgress<ForecasterProgress>? progress, CancellationToken cancellationToken)
    {
        IsFitted = true;
        FittedOn = history;
        return Task.CompletedTask;
    }

    public Task UpdateAsync(LoadHistory recent, CancellationToken cancellationToken)
    {
        Updates++;
        return Task.CompletedTask;
    }

    public Task<LoadForecast> ForecastAsync(ForecastRequest request, CancellationToken cancellationToken)
    {
        var partitions = new Dictionary<PartitionId, IReadOnlyDictionary<ResourceKind, QuantileSeries>>();
        foreach (var series in request.History.Series)
        {
            var last = series.Count == 0 ? 0 : series.Buckets[^1].Requests;
            var values = Enumerable.Repeat(last, request.Horizon).ToArray();
            partitions[series.Partition] = new Dictionary<ResourceKind, QuantileSeries> { [ResourceKind.Requests] = new QuantileSeries(request.Horizon, 1, values) };
        }

        return Task.FromResult(new LoadForecast(request.History.Series[0].End, request.History.Step, [0.5], partitions));
    }
}
