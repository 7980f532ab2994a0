using System.Globalization;
using PredictiveSharding.Telemetry;

namespace PredictiveSharding.Forecasting.Features;

/// <summary>Extracts a series' request counts and refuses values a forecaster cannot learn from.</summary>
internal static class LoadValues
{
    /// <summary>The request counts of <paramref name="series"/>, checked to be finite and non-negative.</summary>
    /// <exception cref="ArgumentException">A value is NaN, infinite or negative; the message names the series, bucket and value.</exception>
    public static double[] Of(PartitionLoadSeries series, string paramName)
    {
        ArgumentNullException.ThrowIfNull(series);

        // LoadBucket refuses NaN/negative reads and writes, but their sum can still overflow to infinity.
        var values = new double[series.Count];
        for (var i = 0; i < values.Length; i++)
        {
            var v = series.Buckets[i].Requests;
            if (!double.IsFinite(v) || v < 0)
            {
                throw new ArgumentException(
                    string.Create(CultureInfo.InvariantCulture, $"Series '{series.Partition}' has load {v} at bucket {i} ({series.Buckets[i].Start:O}); load must be finite and non-negative."),
                    paramName);
            }

            values[i] = v;
        }

        return values;
    }

    /// <summary>Throws unless <paramref name="series"/> has at least <paramref name="minimum"/> buckets.</summary>
    /// <exception cref="ArgumentException">The series is shorter; the message names it, its length and what needs the length.</exception>
    public static void RequireLength(PartitionLoadSeries series, long minimum, string why, string paramName)
    {
        ArgumentNullException.ThrowIfNull(series);
        if (series.Count < minimum)
        {
            throw new ArgumentException(
                string.Create(CultureInfo.InvariantCulture, $"Series '{series.Partition}' has {series.Count} buckets; at least {minimum} are needed ({why})."),
                paramName);
        }
    }
}
