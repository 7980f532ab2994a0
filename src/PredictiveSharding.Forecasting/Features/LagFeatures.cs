namespace PredictiveSharding.Forecasting.Features;

/// <summary>
/// The lag and calendar features of the tree forecaster for one target step. Load features are divided by the series'
/// scale, 1 + its mean over the last two seasons (DeepAR's scaling, Salinas et al. 2020), so one global model serves
/// series of any size.
/// </summary>
internal static class LagFeatures
{
    /// <summary>Features per row: lags 1, 2, 3, m−1, m, m+1 and 2m, the mean of the last season, hour of day, day of week, phase in the season and log(scale).</summary>
    public const int Count = 12;

    /// <summary>Steps of history a row needs: the longest lag (2m) and the scale window (2m), and at least lag 3.</summary>
    public static int ContextLength(int seasonLength) => Math.Max(2 * seasonLength, 3);

    /// <summary>1 + the mean of the last two seasons of <paramref name="past"/> (all of it when shorter).</summary>
    public static double Scale(ReadOnlySpan<double> past, int seasonLength)
    {
        var window = Math.Min(ContextLength(seasonLength), past.Length);
        var sum = 0.0;
        for (var i = past.Length - window; i < past.Length; i++)
        {
            sum += past[i];
        }

        return 1 + (window == 0 ? 0 : sum / window);
    }

    /// <summary>
    /// Writes the features of the step that follows <paramref name="past"/> (which must hold at least
    /// <see cref="ContextLength"/> values) and starts at <paramref name="targetStart"/>.
    /// </summary>
    public static void Write(ReadOnlySpan<double> past, double scale, DateTimeOffset targetStart, TimeSpan step, int seasonLength, Span<float> destination)
    {
        var t = past.Length;
        var m = seasonLength;
        destination[0] = (float)(past[t - 1] / scale);
        destination[1] = (float)(past[t - 2] / scale);
        destination[2] = (float)(past[t - 3] / scale);
        destination[3] = (float)(past[t - Math.Max(m - 1, 1)] / scale);
        destination[4] = (float)(past[t - m] / scale);
        destination[5] = (float)(past[t - m - 1] / scale);
        destination[6] = (float)(past[t - (2 * m)] / scale);
        var seasonSum = 0.0;
        for (var i = t - m; i < t; i++)
        {
            seasonSum += past[i];
        }

        destination[7] = (float)(seasonSum / m / scale);
        destination[8] = (float)CalendarFeatures.HourOfDay(targetStart);
        destination[9] = (float)CalendarFeatures.DayOfWeek(targetStart);

        // The phase from absolute time (not from the series' start), so that series starting at different times agree.
        destination[10] = (float)(targetStart.UtcTicks / step.Ticks % m);
        destination[11] = (float)Math.Log(scale);
    }
}
