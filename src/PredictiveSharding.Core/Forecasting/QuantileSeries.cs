using System.Globalization;

namespace PredictiveSharding.Forecasting;

/// <summary>A forecast distribution over a horizon: for each step, one value per quantile, non-decreasing across quantiles.</summary>
public sealed class QuantileSeries
{
    private readonly double[] _values;

    /// <summary>Creates a series from values laid out step by step (<c>values[step * quantiles + q]</c>).</summary>
    /// <exception cref="ArgumentException">Wrong length, a value that is negative, NaN or infinite, or values that decrease across quantiles.</exception>
    public QuantileSeries(int steps, int quantiles, ReadOnlySpan<double> values)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(steps);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(quantiles);
        // In long: the product of two ints can wrap round to the length of a shorter array.
        if (values.Length != (long)steps * quantiles)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"{steps} steps × {quantiles} quantiles need {(long)steps * quantiles} values; got {values.Length}."), nameof(values));
        }

        for (var s = 0; s < steps; s++)
        {
            for (var q = 0; q < quantiles; q++)
            {
                var v = values[(s * quantiles) + q];
                if (!double.IsFinite(v) || v < 0)
                {
                    throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"Forecast value at step {s}, quantile index {q} must be finite and non-negative; got {v}."), nameof(values));
                }

                if (q > 0 && v < values[(s * quantiles) + q - 1])
                {
                    throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"Forecast values must not decrease across quantiles; at step {s}, quantile index {q} is {v} below {values[(s * quantiles) + q - 1]}."), nameof(values));
                }
            }
        }

        Steps = steps;
        QuantileCount = quantiles;
        _values = values.ToArray();
    }

    /// <summary>The number of horizon steps.</summary>
    public int Steps { get; }

    /// <summary>The number of quantiles per step.</summary>
    public int QuantileCount { get; }

    /// <summary>The value at a step and quantile index.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The step or the quantile index is outside the series.</exception>
    public double this[int step, int quantile]
    {
        get
        {
            CheckStep(step);
            if ((uint)quantile >= (uint)QuantileCount)
            {
                // Values are laid out step by step: an index past the quantiles would read the next step's values.
                throw new ArgumentOutOfRangeException(nameof(quantile), quantile, string.Create(CultureInfo.InvariantCulture, $"The quantile index {quantile} is outside the series' {QuantileCount} quantiles."));
            }

            return _values[(step * QuantileCount) + quantile];
        }
    }

    /// <summary>The quantile values of one step.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The step is outside the series.</exception>
    public ReadOnlySpan<double> AtStep(int step)
    {
        CheckStep(step);
        return _values.AsSpan(step * QuantileCount, QuantileCount);
    }

    private void CheckStep(int step)
    {
        if ((uint)step >= (uint)Steps)
        {
            throw new ArgumentOutOfRangeException(nameof(step), step, string.Create(CultureInfo.InvariantCulture, $"The step {step} is outside the series' {Steps} steps."));
        }
    }
}
