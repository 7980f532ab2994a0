using PredictiveSharding.Forecasting.Baselines;

namespace PredictiveSharding.Forecasting.Evaluation;

/// <summary>Options of <see cref="RollingOriginEvaluator"/>.</summary>
public sealed class RollingOriginOptions
{
    /// <summary>The season m used for MASE's seasonal naive denominator. Default 24; at least 1.</summary>
    public int SeasonLength { get; set; } = 24;

    /// <summary>Steps forecast at each origin; origins are this many steps apart. Default 24; at least 1.</summary>
    public int Horizon { get; set; } = 24;

    /// <summary>The share of each series held out for evaluation: its first origin is n − ⌊fraction · n⌋. Default 0.2; in (0, 1).</summary>
    public double HoldoutFraction { get; set; } = 0.2;

    /// <summary>The quantile levels requested from every model and averaged over in wQL. Default 0.1, 0.5, 0.9, 0.99; strictly increasing in (0, 1).</summary>
    public IReadOnlyList<double> Quantiles { get; set; } = [0.1, 0.5, 0.9, 0.99];

    /// <summary>
    /// Between origins, pass the newly revealed data to the model's <see cref="ILoadForecaster.UpdateAsync"/> (its time
    /// counts as training time). Default false: the model is fitted once on the data before the first origin.
    /// </summary>
    public bool UpdateBetweenOrigins { get; set; }

    /// <summary>Throws when an option is out of range.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A numeric option is out of range; the message names it and its value.</exception>
    /// <exception cref="ArgumentException">The quantile levels are invalid.</exception>
    public void Validate()
    {
        OptionChecks.AtLeast(SeasonLength, 1, nameof(SeasonLength));
        OptionChecks.AtLeast(Horizon, 1, nameof(Horizon));
        if (!(HoldoutFraction > 0 && HoldoutFraction < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(HoldoutFraction), HoldoutFraction, FormattableString.Invariant($"{nameof(HoldoutFraction)} must lie strictly between 0 and 1; got {HoldoutFraction}."));
        }

        OptionChecks.Quantiles(Quantiles, nameof(Quantiles));
    }
}
