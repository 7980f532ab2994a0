using System.Globalization;

namespace PredictiveSharding;

/// <summary>Argument checks whose messages name the bad value.</summary>
internal static class Guard
{
    /// <param name="value">The value.</param>
    /// <param name="name">The parameter or property.</param>
    /// <param name="of">Whose value it is (e.g. "partition 'p1'"), said in the message where one of many objects can be at fault.</param>
    public static void FiniteNonNegative(double value, string name, string? of = null)
    {
        if (!double.IsFinite(value) || value < 0)
        {
            throw new ArgumentOutOfRangeException(name, value, string.Create(CultureInfo.InvariantCulture, $"{name}{Of(of)} must be a finite, non-negative number; got {value}."));
        }
    }

    /// <param name="value">The value.</param>
    /// <param name="name">The parameter or property.</param>
    /// <param name="of">Whose value it is (e.g. "partition 'p1'"), said in the message where one of many objects can be at fault.</param>
    public static void NonNegative(long value, string name, string? of = null)
    {
        if (value < 0)
        {
            throw new ArgumentOutOfRangeException(name, value, string.Create(CultureInfo.InvariantCulture, $"{name}{Of(of)} must not be negative; got {value}."));
        }
    }

    private static string Of(string? of) => of is null ? string.Empty : " of " + of;

    public static void Positive(TimeSpan value, string name)
    {
        if (value <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(name, value, string.Create(CultureInfo.InvariantCulture, $"{name} must be positive; got {value}."));
        }
    }
}
