namespace PredictiveSharding.Forecasting.Features;

/// <summary>
/// The features of the direct multi-horizon tree forecaster: for an origin (the data before it) and a horizon step h,
/// what is known at the origin about the target step. Load features are divided by the series' scale, 1 + its mean over
/// the last two seasons before the origin (DeepAR's scaling, Salinas et al. 2020), so one global model serves series of
/// any size.
/// </summary>
internal static class LagFeatures
{
    /// <summary>
    /// Features per row: h; the last three values; the target's seasonal-naive value (same phase, latest season before
    /// the origin) and the one a season before that; the means of the last and the previous season; the target's hour of
    /// day, day of week and phase in the season; log(scale).
    /// </summary>
    public const int Count = 12;

    /// <summary>
    /// Steps of history an origin needs: two seasons (the scale window and the second seasonal lag), and at least three.
    /// In long: two seasons of a season near <see cref="int.MaxValue"/> wrapped round to a negative context in int, and
    /// options checks compare it with the longest history allowed.
    /// </summary>
    public static long ContextLength(int seasonLength) => Math.Max(2L * seasonLength, 3);

    /// <summary>1 + the mean of the last two seasons of <paramref name="past"/> (all of it when shorter).</summary>
    public static double Scale(ReadOnlySpan<double> past, int seasonLength)
    {
        var window = (int)Math.Min(ContextLength(seasonLength), past.Length);
        return 1 + Mean(past[(past.Length - window)..]);
    }

    /// <summary>
    /// Writes the features of horizon step <paramref name="h"/> (1-based) after <paramref name="past"/>, which must hold
    /// at least <see cref="ContextLength"/> values; <paramref name="targetStart"/> is the start of the target step.
    /// </summary>
    public static void Write(ReadOnlySpan<double> past, double scale, int h, DateTimeOffset targetStart, TimeSpan step, int seasonLength, Span<float> destination)
    {
        var o = past.Length;
        var m = seasonLength;

        // The latest observed step of the target's phase: k whole seasons before the target, k = ⌈h/m⌉.
        var k = ((h - 1) / m) + 1;
        var seasonal = o + h - 1 - (k * m);
        destination[0] = h;
        destination[1] = (float)(past[o - 1] / scale);
        destination[2] = (float)(past[o - 2] / scale);
        destination[3] = (float)(past[o - 3] / scale);
        destination[4] = (float)(past[seasonal] / scale);
        destination[5] = (float)(past[Math.Max(seasonal - m, 0)] / scale);
        destination[6] = (float)(Mean(past.Slice(o - m, m)) / scale);
        destination[7] = (float)(Mean(past.Slice(Math.Max(o - (2 * m), 0), m)) / scale);
        destination[8] = (float)CalendarFeatures.HourOfDay(targetStart);
        destination[9] = (float)CalendarFeatures.DayOfWeek(targetStart);

        // The phase from absolute time (not from the series' start), so that series starting at different times agree.
        destination[10] = (float)(targetStart.UtcTicks / step.Ticks % m);
        destination[11] = (float)Math.Log(scale);
    }

    private static double Mean(ReadOnlySpan<double> values)
    {
        var sum = 0.0;
        foreach (var v in values)
        {
            sum += v;
        }

        if (double.IsFinite(sum))
        {
            return values.IsEmpty ? 0 : sum / values.Length;
        }

        // Loads are finite but their sum can pass double.MaxValue (a season of loads above 1e307): as an infinite scale
        // or mean it made every feature NaN, and ML.NET failed the fit ("All instances skipped due to missing
        // features"). Summed divided instead, only then, so that every other mean keeps its rounding.
        var mean = 0.0;
        foreach (var v in values)
        {
            mean += v / values.Length;
        }

        return mean;
    }
}
