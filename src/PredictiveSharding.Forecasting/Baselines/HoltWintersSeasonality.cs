namespace PredictiveSharding.Forecasting.Baselines;

/// <summary>How the seasonal pattern combines with the level in <see cref="HoltWintersForecaster"/>.</summary>
public enum HoltWintersSeasonality
{
    /// <summary>Fit both forms per series and keep the one with the lower in-sample one-step SSE (multiplicative only for strictly positive series).</summary>
    Auto = 0,

    /// <summary>The seasonal swing is a constant amount added to the level.</summary>
    Additive = 1,

    /// <summary>The seasonal swing is a factor of the level (needs strictly positive load; a series with zeros falls back to additive).</summary>
    Multiplicative = 2,
}
