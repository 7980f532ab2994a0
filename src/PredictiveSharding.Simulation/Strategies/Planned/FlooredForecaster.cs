using PredictiveSharding.Forecasting;
using PredictiveSharding.Topology;

namespace PredictiveSharding.Simulation.Strategies.Planned;

/// <summary>
/// Wraps a forecaster so that no forecast value falls below the partition's last measured load: a partition that is hot
/// now is planned for as at least this hot over the horizon. A forecaster cannot foresee a surge that has not begun, and
/// one trained on calmer data tends to forecast a surge's decay too early; with the floor the plan reacts to what is
/// already measured at least as fast as a reactive system, and the forecast adds what is coming.
/// </summary>
internal sealed class FlooredForecaster : ILoadForecaster
{
    private readonly ILoadForecaster _inner;

    public FlooredForecaster(ILoadForecaster inner)
    {
        _inner = inner ?? throw new ArgumentNullException(nameof(inner));
    }

    public string Name => _inner.Name + " (floored at the last load)";

    public bool IsFitted => _inner.IsFitted;

    public Task FitAsync(LoadHistory history, IProgress<ForecasterProgress>? progress, CancellationToken cancellationToken) =>
        _inner.FitAsync(history, progress, cancellationToken);

    public Task UpdateAsync(LoadHistory recent, CancellationToken cancellationToken) => _inner.UpdateAsync(recent, cancellationToken);

    public async Task<LoadForecast> ForecastAsync(ForecastRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var forecast = await _inner.ForecastAsync(request, cancellationToken).ConfigureAwait(false);
        var partitions = new Dictionary<PartitionId, IReadOnlyDictionary<ResourceKind, QuantileSeries>>(forecast.Partitions.Count);
        foreach (var (partition, resources) in forecast.Partitions)
        {
            var history = request.History.Get(partition);
            var last = history.Count == 0 ? 0 : history.Buckets[^1].Requests;
            var floored = new Dictionary<ResourceKind, QuantileSeries>(resources.Count);
            foreach (var (resource, series) in resources)
            {
                if (resource != ResourceKind.Requests)
                {
                    floored[resource] = series;
                    continue;
                }

                var values = new double[series.Steps * series.QuantileCount];
                for (var s = 0; s < series.Steps; s++)
                {
                    for (var q = 0; q < series.QuantileCount; q++)
                    {
                        values[(s * series.QuantileCount) + q] = Math.Max(series[s, q], last);
                    }
                }

                floored[resource] = new QuantileSeries(series.Steps, series.QuantileCount, values);
            }

            partitions[partition] = floored;
        }

        return new LoadForecast(forecast.Origin, forecast.Step, forecast.Quantiles, partitions);
    }
}
