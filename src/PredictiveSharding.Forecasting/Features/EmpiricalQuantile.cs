namespace PredictiveSharding.Forecasting.Features;

/// <summary>Sample quantiles by linear interpolation between order statistics (Hyndman and Fan's type 7, R's default).</summary>
internal static class EmpiricalQuantile
{
    /// <summary>The <paramref name="level"/> quantile of an ascending sample; 0 for an empty sample.</summary>
    public static double OfSorted(ReadOnlySpan<double> sorted, double level)
    {
        if (sorted.IsEmpty)
        {
            return 0;
        }

        var position = level * (sorted.Length - 1);
        var lower = (int)Math.Floor(position);
        var upper = Math.Min(lower + 1, sorted.Length - 1);
        var fraction = position - lower;
        return sorted[lower] + (fraction * (sorted[upper] - sorted[lower]));
    }

    /// <summary>The quantiles of <paramref name="sample"/> at each of <paramref name="levels"/> (non-decreasing when the levels increase).</summary>
    public static double[] Of(ReadOnlySpan<double> sample, IReadOnlyList<double> levels)
    {
        var sorted = sample.ToArray();
        Array.Sort(sorted);
        var result = new double[levels.Count];
        for (var i = 0; i < result.Length; i++)
        {
            result[i] = OfSorted(sorted, levels[i]);
        }

        return result;
    }
}
