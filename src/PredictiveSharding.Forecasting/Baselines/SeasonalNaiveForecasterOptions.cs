namespace PredictiveSharding.Forecasting.Baselines;

/// <summary>Options of <see cref="SeasonalNaiveForecaster"/>.</summary>
public sealed class SeasonalNaiveForecasterOptions
{
    /// <summary>The season m in steps: the forecast for a step repeats the value one season earlier. Default 24 (a day of hourly buckets); at least 1.</summary>
    public int SeasonLength { get; set; } = BaselineDefaults.SeasonLength;

    /// <summary>Quantile levels produced when a request does not name its own; strictly increasing in (0, 1). Default 0.1, 0.5, 0.9, 0.99.</summary>
    public IReadOnlyList<double> Quantiles { get; set; } = BaselineDefaults.Quantiles;

    /// <summary>Residuals needed per series to estimate error quantiles; a series must have <see cref="SeasonLength"/> plus this many steps. Default 8; at least 1.</summary>
    public int MinimumResiduals { get; set; } = BaselineDefaults.MinimumResiduals;

    /// <summary>Most recent steps retained per series (for the error quantiles). Default 8760; at least 2.</summary>
    public int MaxHistoryLength { get; set; } = BaselineDefaults.MaxHistoryLength;

    /// <summary>Throws when an option is out of range.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A numeric option is out of range; the message names it and its value.</exception>
    /// <exception cref="ArgumentException">The quantile levels are invalid.</exception>
    public void Validate()
    {
        OptionChecks.AtLeast(SeasonLength, 1, nameof(SeasonLength));
        OptionChecks.AtLeast(MinimumResiduals, 1, nameof(MinimumResiduals));
        OptionChecks.AtLeast(MaxHistoryLength, 2, nameof(MaxHistoryLength));
        OptionChecks.AtLeast(MaxHistoryLength, (long)SeasonLength + MinimumResiduals, nameof(MaxHistoryLength));
        OptionChecks.Quantiles(Quantiles, nameof(Quantiles));
    }
}
