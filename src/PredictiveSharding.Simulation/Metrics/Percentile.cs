namespace PredictiveSharding.Simulation.Metrics;

/// <summary>Nearest-rank percentiles: the smallest value with at least p% of the values at or below it.</summary>
internal static class Percentile
{
    public static double NearestRank(float[] values, double percentile)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.Length == 0)
        {
            return 0;
        }

        Array.Sort(values);
        var rank = (int)Math.Ceiling(percentile / 100 * values.Length);
        return values[Math.Clamp(rank, 1, values.Length) - 1];
    }
}
