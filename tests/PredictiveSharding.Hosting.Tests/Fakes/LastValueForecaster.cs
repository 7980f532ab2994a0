using PredictiveSharding.Forecasting;
using PredictiveSharding.Topology;

namespace PredictiveSharding.Hosting.Tests.Fakes;

/// <summary>Forecasts each partition's last value at every step (quantiles ×0.8, ×1, ×1.2) and records what it was asked.</summary>
internal sealed class LastValueForecaster : ILoadForecaster
{
    public string Name => "last-value";

    public bool IsFitted { get; private set; }

    public int Fits { get; private set; }

    public int Updates { get; private set; }

    public LoadHistory? LastHistory { get; private set; }

    public Task FitAsync(LoadHistory history, IProgress<ForecasterProgress>? progress, CancellationToken cancellationToken)
    {
        IsFitted = true;
        Fits++;
        LastHistory = history;
        return Task.CompletedTask;
    }

    public Task UpdateAsync(LoadHistory recent, CancellationToken cancellationToken)
    {
        Updates++;
        LastHistory = recent;
        return Task.CompletedTask;
    }

    public Task<LoadForecast> ForecastAsync(ForecastRequest request, CancellationToken cancellationToken)
    {
        LastHistory = request.History;
        var quantiles = new[] { 0.1, 0.5, 0.9 };
        var partitions = new Dictionary<PartitionId, IReadOnlyDictionary<ResourceKind, QuantileSeries>>();
        foreach (var series in request.History.Series)
        {
            var last = series.Buckets[^1].Requests;
            var values = new double[request.Horizon * 3];
            for (var s = 0; s < request.Horizon; s++)
            {
                values[s * 3] = last * 0.8;
                values[(s * 3) + 1] = last;
                values[(s * 3) + 2] = last * 1.2;
            }

            partitions[series.Partition] = new Dictionary<ResourceKind, QuantileSeries> { [ResourceKind.Requests] = new QuantileSeries(request.Horizon, 3, values) };
        }

        var origin = request.History.Series[0].End;
        return Task.FromResult(new LoadForecast(origin, request.History.Step, quantiles, partitions));
    }
}
