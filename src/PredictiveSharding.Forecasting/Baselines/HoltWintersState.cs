namespace PredictiveSharding.Forecasting.Baselines;

/// <summary>Level, trend and one seasonal term per phase; <see cref="Phase"/> is the seasonal index of the next step.</summary>
internal sealed class HoltWintersState
{
    public HoltWintersState(double level, double trend, double[] seasonal, int phase)
    {
        Level = level;
        Trend = trend;
        Seasonal = seasonal;
        Phase = phase;
    }

    public double Level { get; set; }

    public double Trend { get; set; }

    public double[] Seasonal { get; }

    public int Phase { get; set; }

    public HoltWintersState Clone() => new(Level, Trend, (double[])Seasonal.Clone(), Phase);

    /// <summary>
    /// This multiplicative state in additive form: the same level and trend, and each seasonal ratio <c>s</c> as the
    /// deviation <c>level · (s − 1)</c> it stands for at the current level, so the next point forecast is unchanged (exactly
    /// without a trend, to first order in the trend otherwise).
    /// </summary>
    public HoltWintersState MultiplicativeToAdditive()
    {
        var scale = Math.Max(Level, 0);
        var seasonal = new double[Seasonal.Length];
        for (var i = 0; i < seasonal.Length; i++)
        {
            seasonal[i] = scale * (Seasonal[i] - 1);
        }

        return new HoltWintersState(Level, Trend, seasonal, Phase);
    }

    /// <summary>
    /// The classical starting state from up to four whole seasons: level = first season's mean, trend = the change of
    /// seasonal means per step, seasonal terms = the average deviation (or ratio) of each phase from its season's mean,
    /// normalised to sum 0 (or average 1).
    /// </summary>
    public static HoltWintersState Initial(ReadOnlySpan<double> values, int seasonLength, bool multiplicative)
    {
        var seasons = Math.Min(values.Length / seasonLength, 4);
        var means = new double[seasons];
        for (var j = 0; j < seasons; j++)
        {
            var sum = 0.0;
            for (var i = 0; i < seasonLength; i++)
            {
                sum += values[(j * seasonLength) + i];
            }

            means[j] = sum / seasonLength;
        }

        var trend = seasons > 1 ? (means[seasons - 1] - means[0]) / ((seasons - 1) * seasonLength) : 0;
        var seasonal = new double[seasonLength];
        for (var i = 0; i < seasonLength; i++)
        {
            var sum = 0.0;
            for (var j = 0; j < seasons; j++)
            {
                var y = values[(j * seasonLength) + i];
                sum += multiplicative ? y / means[j] : y - means[j];
            }

            seasonal[i] = sum / seasons;
        }

        var centre = seasonal.Average();
        for (var i = 0; i < seasonLength; i++)
        {
            seasonal[i] = multiplicative ? seasonal[i] / centre : seasonal[i] - centre;
        }

        // The first season's mean describes its middle; step the level back to just before the first value.
        var level = means[0] - (trend * (seasonLength + 1) / 2.0);
        return new HoltWintersState(level, trend, seasonal, 0);
    }
}
