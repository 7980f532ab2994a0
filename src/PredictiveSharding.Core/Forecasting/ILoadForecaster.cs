namespace PredictiveSharding.Forecasting;

/// <summary>
/// Learns partitions' load from history and predicts its distribution ahead. The seam between telemetry and
/// planning: a host can replace the default LSTM with any implementation.
/// </summary>
public interface ILoadForecaster
{
    /// <summary>A short name for reports (<c>lstm</c>, <c>seasonal-naive</c>, …).</summary>
    string Name { get; }

    /// <summary>True once <see cref="FitAsync"/> has completed.</summary>
    bool IsFitted { get; }

    /// <summary>Trains from scratch on the history. On failure or cancellation the forecaster keeps its previous state.</summary>
    /// <exception cref="ArgumentException">The history is unusable (too short, bad values); the message names the series.</exception>
    /// <exception cref="OperationCanceledException">Cancelled.</exception>
    Task FitAsync(LoadHistory history, IProgress<ForecasterProgress>? progress, CancellationToken cancellationToken);

    /// <summary>Brings a fitted forecaster up to date with newly harvested data without training from scratch.</summary>
    /// <remarks>A partition whose series is still too short to learn from (one a split has just created) does not fail
    /// the update for the others: it is left out, or kept until it is long enough, and a forecast asked for it before
    /// then is made from the request's context or refused with an <see cref="ArgumentException"/> naming it.</remarks>
    /// <exception cref="InvalidOperationException">Not fitted yet.</exception>
    Task UpdateAsync(LoadHistory recent, CancellationToken cancellationToken);

    /// <summary>Forecasts each requested partition's load distribution.</summary>
    /// <exception cref="InvalidOperationException">Not fitted yet.</exception>
    /// <exception cref="ArgumentException">The request names a partition that has no history, or its context is too short.</exception>
    Task<LoadForecast> ForecastAsync(ForecastRequest request, CancellationToken cancellationToken);
}
