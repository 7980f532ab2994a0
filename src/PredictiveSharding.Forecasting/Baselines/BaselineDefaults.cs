namespace PredictiveSharding.Forecasting.Baselines;

/// <summary>Defaults shared by the baseline forecasters, in one place.</summary>
internal static class BaselineDefaults
{
    /// <summary>The default quantile levels: the 80% interval, the median and a high tail for headroom planning.</summary>
    public static IReadOnlyList<double> Quantiles { get; } = [0.1, 0.5, 0.9, 0.99];

    /// <summary>A day of hourly buckets.</summary>
    public const int SeasonLength = 24;

    /// <summary>A year of hourly buckets: enough history for weekly and monthly effects, bounded for a long-running host.</summary>
    public const int MaxHistoryLength = 8760;

    /// <summary>Below this many residuals an empirical quantile of the tails is mostly noise.</summary>
    public const int MinimumResiduals = 8;
}
