using PredictiveSharding.Forecasting;
using PredictiveSharding.Topology;

namespace PredictiveSharding.Planning.Guards;

/// <summary>
/// A median-level floor from a period the forecaster cannot see: a timer that fires every 30 or 60 steps repeats beyond
/// a 24-step context, so the forecaster sees only the quiet steps between firings and forecasts the next firing at the
/// quiet level. Where a partition's own past shows a clear period at least <c>minPeriod</c> steps long, each forecast
/// step's median (and every quantile above it) is raised to the least load the partition had at the same phase in each
/// of the last <see cref="Cycles"/> periods: a load that came back in every recent period is expected to come back, at
/// the level it never fell below. A one-off surge never repeats in all of them, so it sets no floor; quantiles below the
/// median stay the forecaster's.
/// </summary>
internal static class SeasonalFloor
{
    /// <summary>Periods a floor must hold in (and the period detection's seasonal estimate reads): three, so one odd period cannot set it.</summary>
    public const int Cycles = 3;

    /// <summary>
    /// A period counts when the seasonal estimate at that lag errs by at most this share of the median error over all
    /// candidate periods (it stands out: explains the series twice as well as an arbitrary long lag does) and by less
    /// than the best estimate at any shorter lag (one the forecaster's context shows).
    /// </summary>
    public const double MaxRelativeError = 0.5;

    /// <summary>The forecast quantile from which on values are raised: the median.</summary>
    public const double MinQuantile = 0.5;

    /// <summary>
    /// The period of <paramref name="history"/>'s last <paramref name="window"/> steps, or 0 when none is clear. Every lag
    /// from 1 to a quarter of the window is scored by the absolute error of the seasonal estimate at that lag (the median
    /// of the loads one, two and three lags earlier) over the same steps (the window's last window − 3 × the longest lag).
    /// The best lag of at least <paramref name="minPeriod"/> counts when it errs by at most <see cref="MaxRelativeError"/>
    /// × the median such lag's error and by less than the best shorter lag. Noise and a one-off surge are explained about
    /// as well by any lag, a trend by a short one, a weekly pattern in daily data by a week; a timer firing every 30 steps
    /// only by 30 (or a multiple).
    /// </summary>
    public static int DetectPeriod(IReadOnlyList<double> history, int window, int minPeriod)
    {
        ArgumentNullException.ThrowIfNull(history);
        ArgumentOutOfRangeException.ThrowIfLessThan(minPeriod, 2);
        var n = Math.Min(history.Count, window);
        var offset = history.Count - n;
        var maxPeriod = n / (Cycles + 1);
        if (maxPeriod < minPeriod)
        {
            return 0;
        }

        // The window is copied once into a buffer: the lag loop reads every value up to 4 × (maxPeriod + 1) times, and
        // through IReadOnlyList that was most of a plan's guard time on clusters of a few hundred partitions. The sums run
        // in the same order as before, so the periods found are the same. The default window (512 steps) fits the stack.
        Span<double> values = n <= 1024 ? stackalloc double[n] : new double[n];
        for (var i = 0; i < n; i++)
        {
            values[i] = history[offset + i];
        }

        var from = Cycles * maxPeriod;
        var bestShort = double.PositiveInfinity;
        var errors = new double[maxPeriod - minPeriod + 1];
        for (var p = 1; p <= maxPeriod; p++)
        {
            var error = LagError(values, from, p);
            if (p < minPeriod)
            {
                bestShort = Math.Min(bestShort, error);
            }
            else
            {
                errors[p - minPeriod] = error;
            }
        }

        var best = 0;
        for (var k = 1; k < errors.Length; k++)
        {
            if (errors[k] < errors[best])
            {
                best = k;
            }
        }

        var sorted = (double[])errors.Clone();
        Array.Sort(sorted);
        var typical = sorted[sorted.Length / 2];
        return typical > 0 && errors[best] <= MaxRelativeError * typical && errors[best] < bestShort ? minPeriod + best : 0;
    }

    /// <summary>
    /// The floor at forecast step <paramref name="h"/> (0 = the next step to replay, <paramref name="history"/>.Count):
    /// the least load at the same phase in each of the last <see cref="Cycles"/> periods, or 0 when one of them lies
    /// before the history or not yet in the past.
    /// </summary>
    public static double FloorAt(IReadOnlyList<double> history, int period, int h)
    {
        ArgumentNullException.ThrowIfNull(history);
        var floor = double.PositiveInfinity;
        for (var c = 1; c <= Cycles; c++)
        {
            var s = history.Count + h - (c * period);
            if (s < 0 || s >= history.Count)
            {
                return 0;
            }

            floor = Math.Min(floor, history[s]);
        }

        return floor;
    }

    /// <summary>
    /// The forecast with each periodic partition's request quantiles at or above <see cref="MinQuantile"/> raised, step by
    /// step, to <see cref="FloorAt"/>; partitions without a clear period of at least <paramref name="minPeriod"/> steps over
    /// the last <paramref name="window"/> steps are unchanged. Counts the partitions raised in <paramref name="floored"/>.
    /// </summary>
    public static LoadForecast Apply(IReadOnlyDictionary<PartitionId, GuardedPartition> guarded, LoadForecast forecast, int window, int minPeriod, out int floored, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(guarded);
        ArgumentNullException.ThrowIfNull(forecast);
        var from = ForecastFloor.FirstQuantileAtOrAbove(forecast, MinQuantile);
        if (from < 0)
        {
            floored = 0;
            return forecast;
        }

        return ForecastFloor.ApplyPerStep(
            forecast,
            id =>
            {
                if (!guarded.TryGetValue(id, out var partition))
                {
                    return null;
                }

                cancellationToken.ThrowIfCancellationRequested();
                var period = DetectPeriod(partition.Loads, window, minPeriod);
                return period == 0 ? null : s => FloorAt(partition.Loads, period, s);
            },
            from,
            out floored);
    }

    /// <summary>The summed absolute error of the seasonal estimate at lag <paramref name="p"/> over values[from..].</summary>
    private static double LagError(ReadOnlySpan<double> values, int from, int p)
    {
        var x = values[from..];
        var one = values.Slice(from - p, x.Length);
        var two = values.Slice(from - (2 * p), x.Length);
        var three = values.Slice(from - (3 * p), x.Length);
        double error = 0;
        for (var i = 0; i < x.Length; i++)
        {
            error += Math.Abs(x[i] - Median(one[i], two[i], three[i]));
        }

        return error;
    }

    private static double Median(double a, double b, double c) => Math.Max(Math.Min(a, b), Math.Min(Math.Max(a, b), c));
}
