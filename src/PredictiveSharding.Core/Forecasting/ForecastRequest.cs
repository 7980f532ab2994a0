using System.Globalization;
using PredictiveSharding.Topology;

namespace PredictiveSharding.Forecasting;

/// <summary>What to forecast: from the recent history, <see cref="Horizon"/> steps ahead, at the given quantiles.</summary>
public sealed record ForecastRequest
{
    /// <summary>Creates a request.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="horizon"/> is not positive.</exception>
    public ForecastRequest(LoadHistory history, int horizon)
    {
        ArgumentNullException.ThrowIfNull(history);
        if (horizon <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(horizon), horizon, string.Create(CultureInfo.InvariantCulture, $"The forecast horizon must be at least one step; got {horizon}."));
        }

        History = history;
        Horizon = horizon;
    }

    /// <summary>The context: each partition's history up to now (the forecast starts where each series ends).</summary>
    public LoadHistory History { get; }

    /// <summary>Steps ahead to forecast.</summary>
    public int Horizon { get; }

    /// <summary>Quantile levels; null uses the forecaster's configured levels.</summary>
    public IReadOnlyList<double>? Quantiles { get; init; }

    /// <summary>Partitions to forecast; null forecasts every series of the history.</summary>
    public IReadOnlyList<PartitionId>? Partitions { get; init; }
}
