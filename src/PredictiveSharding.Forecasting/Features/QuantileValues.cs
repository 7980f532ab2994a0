namespace PredictiveSharding.Forecasting.Features;

/// <summary>Turns a point forecast plus error quantiles into valid forecast quantiles.</summary>
internal static class QuantileValues
{
    /// <summary>
    /// Writes <c>max(0, point + offsets[q])</c> for each quantile into <paramref name="destination"/>, then makes the row
    /// non-decreasing (a running maximum), so the result always satisfies <see cref="QuantileSeries"/>.
    /// </summary>
    public static void Write(double point, ReadOnlySpan<double> offsets, Span<double> destination)
    {
        var previous = 0.0;
        for (var q = 0; q < offsets.Length; q++)
        {
            var v = point + offsets[q];
            if (!double.IsFinite(v) || v < previous)
            {
                // Offsets are non-decreasing already; this only guards rounding and a non-finite point.
                v = double.IsFinite(v) ? previous : (double.IsPositiveInfinity(v) ? double.MaxValue : previous);
            }

            destination[q] = v;
            previous = v;
        }
    }
}
