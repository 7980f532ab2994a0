namespace PredictiveSharding.Forecasting.Baselines;

/// <summary>Options of <see cref="HoltWintersForecaster"/>.</summary>
public sealed class HoltWintersForecasterOptions
{
    /// <summary>The season m in steps. Default 24 (a day of hourly buckets); at least 2.</summary>
    public int SeasonLength { get; set; } = BaselineDefaults.SeasonLength;

    /// <summary>Additive, multiplicative, or chosen per series by in-sample fit. Default <see cref="HoltWintersSeasonality.Auto"/>.</summary>
    public HoltWintersSeasonality Seasonality { get; set; } = HoltWintersSeasonality.Auto;

    /// <summary>Damp the trend (φ fitted in [0.8, 0.98], as the forecast package's ets() bounds it); false keeps a linear trend (φ = 1). Default true.</summary>
    public bool DampedTrend { get; set; } = true;

    /// <summary>Quantile levels produced when a request does not name its own; strictly increasing in (0, 1). Default 0.1, 0.5, 0.9, 0.99.</summary>
    public IReadOnlyList<double> Quantiles { get; set; } = BaselineDefaults.Quantiles;

    /// <summary>Objective evaluations Nelder–Mead may spend per series and seasonality form. Default 300; at least 10.</summary>
    public int MaxEvaluations { get; set; } = 300;

    /// <summary>One-step residuals needed (after the first season, which only warms the state up) to estimate error quantiles. Default 8; at least 1.</summary>
    public int MinimumResiduals { get; set; } = BaselineDefaults.MinimumResiduals;

    /// <summary>Most recent one-step residuals retained per series for the error quantiles. Default 8760; at least 2 and at least <see cref="MinimumResiduals"/>.</summary>
    public int MaxHistoryLength { get; set; } = BaselineDefaults.MaxHistoryLength;

    /// <summary>Throws when an option is out of range.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range; the message names it and its value.</exception>
    /// <exception cref="ArgumentException">The quantile levels are invalid.</exception>
    public void Validate()
    {
        OptionChecks.AtLeast(SeasonLength, 2, nameof(SeasonLength));
        if (!Enum.IsDefined(Seasonality))
        {
            throw new ArgumentOutOfRangeException(nameof(Seasonality), Seasonality, $"{nameof(Seasonality)} must be Auto, Additive or Multiplicative; got {Seasonality}.");
        }

        OptionChecks.AtLeast(MaxEvaluations, 10, nameof(MaxEvaluations));
        OptionChecks.AtLeast(MinimumResiduals, 1, nameof(MinimumResiduals));
        OptionChecks.AtLeast(MaxHistoryLength, 2, nameof(MaxHistoryLength));
        OptionChecks.AtLeast(MaxHistoryLength, MinimumResiduals, nameof(MaxHistoryLength));
        OptionChecks.Quantiles(Quantiles, nameof(Quantiles));
    }
}
