namespace PredictiveSharding.Forecasting.Features;

/// <summary>Calendar covariates of a bucket start, in UTC so that daylight-saving changes do not shift the cycle.</summary>
internal static class CalendarFeatures
{
    /// <summary>Hour of day, 0–23 with the minutes as a fraction (so sub-hourly steps stay distinct).</summary>
    public static double HourOfDay(DateTimeOffset time)
    {
        var utc = time.UtcDateTime;
        return utc.Hour + (utc.Minute / 60.0);
    }

    /// <summary>Day of week, 0 (Sunday) to 6 (Saturday).</summary>
    public static double DayOfWeek(DateTimeOffset time) => (int)time.UtcDateTime.DayOfWeek;

    /// <summary>Day of year, 1–366, for daily data with yearly effects.</summary>
    public static double DayOfYear(DateTimeOffset time) => time.UtcDateTime.DayOfYear;
}
