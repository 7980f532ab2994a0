using System.Globalization;

namespace PredictiveSharding.Forecasting.Baselines;

/// <summary>Option checks whose exceptions name the option and its bad value.</summary>
internal static class OptionChecks
{
    // In long: a minimum derived from other options (a season plus residuals, two seasons) can pass int.MaxValue, and
    // wrapped round to a negative minimum it let any value through.
    public static void AtLeast(long value, long minimum, string name)
    {
        if (value < minimum)
        {
            throw new ArgumentOutOfRangeException(name, value, string.Create(CultureInfo.InvariantCulture, $"{name} must be at least {minimum}; got {value}."));
        }
    }

    public static void InRange(long value, long minimum, long maximum, string name)
    {
        if (value < minimum || value > maximum)
        {
            throw new ArgumentOutOfRangeException(name, value, string.Create(CultureInfo.InvariantCulture, $"{name} must be in {minimum}..{maximum}; got {value}."));
        }
    }

    public static void InRange(double value, double minimum, double maximum, string name)
    {
        if (!(value >= minimum && value <= maximum))
        {
            throw new ArgumentOutOfRangeException(name, value, string.Create(CultureInfo.InvariantCulture, $"{name} must lie in [{minimum}, {maximum}]; got {value}."));
        }
    }

    public static void Quantiles(IReadOnlyList<double>? quantiles, string name)
    {
        if (quantiles is null)
        {
            throw new ArgumentException($"{name} must not be null.", name);
        }

        try
        {
            LoadForecast.ValidateQuantiles(quantiles);
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"{name} is invalid: {e.Message}", name, e);
        }
    }
}
