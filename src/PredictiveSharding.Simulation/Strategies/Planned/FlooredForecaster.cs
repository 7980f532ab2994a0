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
        return ForecastFloor.Apply(forecast, partition =>
        {
            var history = request.History.Get(partition);
            return history.Count == 0 ? 0 : history.Buckets[^1].Requests;
        });
    }
}
