using PredictiveSharding.Forecasting;
using PredictiveSharding.Topology;

namespace PredictiveSharding.Hosting.Tests.Fakes;

/// <summary>
/// Forecasts each partition's last value times <see cref="Scale"/> at every step (quantiles below the median ×0.8, the
/// median ×1, above it ×1.2) and records what it was asked.
/// </summary>
internal sealed class LastValueForecaster : ILoadForecaster
{
    public string Name => "last-value";

    public bool IsFitted { get; private set; }

    public int Fits { get; private set; }

    public int Updates { get; private set; }

    public LoadHistory? LastHistory { get; private set; }

    /// <summary>The share of the last value forecast (below 1: a forecaster that expects the load to fall).</summary>
    public double Scale { get; set; } = 1;

    /// <summary>The quantiles forecast.</summary>
    public double[] Quantiles { get; set; } = [0.1, 0.5, 0.9];

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
        var quantiles = Quantiles;
        var k = quantiles.Length;
        var partitions = new Dictionary<PartitionId, IReadOnlyDictionary<ResourceKind, QuantileSeries>>();
        foreach (var series in request.History.Series)
        {
            var last = series.Buckets[^1].Requests * Scale;
            var values = new double[request.Horizon * k];
            for (var s = 0; s < request.Horizon; s++)
            {
                for (var q = 0; q < k; q++)
                {
                    values[(s * k) + q] = last * (quantiles[q] < 0.5 ? 0.8 : quantiles[q] > 0.5 ? 1.2 : 1);
                }
            }

            partitions[series.Partition] = new Dictionary<ResourceKind, QuantileSeries> { [ResourceKind.Requests] = new QuantileSeries(request.Horizon, k, values) };
        }

        var origin = request.History.Series[0].End;
        return Task.FromResult(new LoadForecast(origin, request.History.Step, quantiles, partitions));
    }
}
