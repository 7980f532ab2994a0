using System.Globalization;

namespace PredictiveSharding.Traces;

/// <summary>Maps timestamps onto a grid of equal steps aligned to whole multiples of the step since the Unix epoch.</summary>
internal sealed class StepGrid
{
    private StepGrid(DateTimeOffset origin, TimeSpan step, bool round)
    {
        Origin = origin;
        Step = step;
        Round = round;
    }

    public DateTimeOffset Origin { get; }

    public TimeSpan Step { get; }

    /// <summary>True when timestamps are rounded to the nearest step (inferred steps absorb clock drift), false when floored (explicit steps bucket raw events).</summary>
    private bool Round { get; }

    public long IndexOf(DateTimeOffset time)
    {
        var ticks = time.UtcTicks - Origin.UtcTicks;
        return Round ? (long)Math.Round((double)ticks / Step.Ticks, MidpointRounding.AwayFromZero) : ticks / Step.Ticks;
    }

    public DateTimeOffset StartOf(long index) => Origin + (Step * index);

    public static StepGrid Create(IReadOnlyList<TraceRow> rows, TimeSpan? step, string source)
    {
        var first = rows.MinBy(r => r.Timestamp);
        var min = first.Timestamp;
        if (step is { } given)
        {
            if (given <= TimeSpan.Zero)
            {
                throw new ArgumentOutOfRangeException(nameof(step), given, "The step must be positive.");
            }

            RequireWholeMultipleOfTheFilesStep(rows, given, source);

            // Floored, not truncated, so that a timestamp before the epoch starts the step it lies in rather than the next one.
            var offset = (min.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) % given.Ticks;
            var aligned = min.UtcTicks - (offset < 0 ? offset + given.Ticks : offset);
            if (aligned < DateTimeOffset.MinValue.UtcTicks)
            {
                // A DateTimeOffset cannot hold the step's start: the constructor threw a bare ArgumentOutOfRangeException.
                throw new TraceFormatException(string.Create(CultureInfo.InvariantCulture, $"{source}, line {first.Line}: {min:O} lies in a step of {given} (steps are aligned to the Unix epoch) that would start before {DateTimeOffset.MinValue:O}; give a step that divides a day evenly or remove the row."));
            }

            return new StepGrid(new DateTimeOffset(aligned, TimeSpan.Zero), given, round: false);
        }

        var grid = new StepGrid(min, InferStep(rows, source), round: true);
        var last = rows.MaxBy(r => r.Timestamp);
        if (grid.IndexOf(last.Timestamp) * grid.Step.Ticks > DateTimeOffset.MaxValue.UtcTicks - min.UtcTicks)
        {
            // Rounded up to the nearest step, the last timestamp's step starts after 9999-12-31: a DateTimeOffset cannot hold it.
            throw new TraceFormatException(string.Create(CultureInfo.InvariantCulture, $"{source}, line {last.Line}: {last.Timestamp:O}, rounded to the nearest step of {grid.Step} from {min:O}, falls in a step that would start after {DateTimeOffset.MaxValue:O}; give the step explicitly or remove the row."));
        }

        return grid;
    }

    /// <summary>
    /// Refuses an explicit step that is not a whole multiple of the step a regular file already has: per-minute rows read
    /// at 90 s put two rows in one step and one in the next (a sawtooth the load never had), and at 30 s leave every other
    /// step empty. A file is regular when it has at least <see cref="RegularFileMinimumTimestamps"/> distinct timestamps and
    /// every gap between neighbours lies within 2% of a whole multiple of its inferred step; raw event logs are not, and
    /// any step buckets them.
    /// </summary>
    private static void RequireWholeMultipleOfTheFilesStep(IReadOnlyList<TraceRow> rows, TimeSpan given, string source)
    {
        var times = rows.Select(r => r.Timestamp.UtcTicks).Distinct().Order().ToArray();
        if (times.Length < RegularFileMinimumTimestamps)
        {
            return;
        }

        var own = InferStep(rows, source).Ticks;
        for (var i = 1; i < times.Length; i++)
        {
            var multiple = (double)(times[i] - times[i - 1]) / own;
            if (Math.Abs(multiple - Math.Round(multiple)) > 0.02)
            {
                return;
            }
        }

        var ratio = (double)given.Ticks / own;
        if (Math.Abs(ratio - Math.Round(ratio)) > 1e-9 || Math.Round(ratio) < 1)
        {
            throw new TraceFormatException(string.Create(CultureInfo.InvariantCulture, $"{source}: its rows are {TimeSpan.FromTicks(own)} apart, so a step of {given} would hold unequal numbers of them (or none); give a whole multiple of {TimeSpan.FromTicks(own)}."));
        }
    }

    /// <summary>Fewest distinct timestamps that make a file's own step evidence enough to refuse a step that does not fit it.</summary>
    private const int RegularFileMinimumTimestamps = 8;

    /// <summary>
    /// The step of a file's rows, inferred per series (or key), since each is sampled on its own clock: from all series'
    /// timestamps at once, hourly series sampled at :00:00 and :00:30 made gaps of 30 s and 59:30, a step 120 times too
    /// fine. A series' own step is the median gap between its consecutive distinct timestamps, snapped to a common step
    /// (1 s … 1 week) when within 2%, since real traces drift by seconds (NAB's 5-minute series show gaps of 299–301 s).
    /// The file's step is the smallest of these (an hourly series beside a 2-hourly one: hourly), or the largest
    /// whole-second divisor of it whose grid, from the first timestamp, holds every row within a quarter step, so that
    /// each rounds to its nearest step far from a toss-up (2-hourly beside 3-hourly: hourly). It is never finer than the
    /// median gap of all timestamps taken together, the step when no series has two timestamps, when one series' own
    /// step is that fine, or when no coarser grid holds every row: a key not requested in every step has gaps of whole
    /// multiples of the step, and keys each requested every other minute, in turn, share a step of a minute. Series
    /// sampled at moments further apart than a quarter of their step are read on that finer step too; give the step.
    /// Timestamps are taken to the whole second: series sampled milliseconds apart then share a timestamp (pooled gaps in
    /// ticks inferred a step of milliseconds from them), and steps are whole seconds.
    /// </summary>
    internal static TimeSpan InferStep(IReadOnlyList<TraceRow> rows, string source)
    {
        var times = rows.Select(r => r.Timestamp.UtcTicks / TimeSpan.TicksPerSecond).Distinct().Order().ToArray();
        if (times.Length < 2)
        {
            var subSecond = rows.Select(r => r.Timestamp.UtcTicks).Distinct().Take(2).Count() > 1;
            throw new TraceFormatException(subSecond
                ? $"{source}: every timestamp falls within one second; steps are whole seconds, so aggregate the rows to one second or more first."
                : $"{source}: one timestamp only; give the step explicitly.");
        }

        var pooled = MedianGapSeconds(times);
        if (pooled <= 0)
        {
            throw new TraceFormatException(string.Create(CultureInfo.InvariantCulture, $"{source}: could not infer a step from the timestamps."));
        }

        var smallest = long.MaxValue;
        foreach (var series in rows.GroupBy(r => r.Name, StringComparer.Ordinal))
        {
            var own = series.Select(r => r.Timestamp.UtcTicks / TimeSpan.TicksPerSecond).Distinct().Order().ToArray();
            if (own.Length >= 2)
            {
                smallest = Math.Min(smallest, MedianGapSeconds(own));
            }
        }

        if (smallest != long.MaxValue && smallest > pooled)
        {
            var ticks = rows.Select(r => r.Timestamp.UtcTicks).Distinct().Order().ToArray();
            foreach (var candidate in DivisorsOf(smallest).Where(d => d > pooled).OrderDescending())
            {
                if (HoldsEveryRow(ticks, candidate * TimeSpan.TicksPerSecond))
                {
                    return TimeSpan.FromSeconds(candidate);
                }
            }
        }

        return TimeSpan.FromSeconds(pooled);
    }

    /// <summary>The divisors of <paramref name="n"/>, found up to its square root: a step of years has billions of seconds to try.</summary>
    private static HashSet<long> DivisorsOf(long n)
    {
        var divisors = new HashSet<long>();
        for (long k = 1; k <= n / k; k++)
        {
            if (n % k == 0)
            {
                divisors.Add(k);
                divisors.Add(n / k);
            }
        }

        return divisors;
    }

    /// <summary>
    /// True when every one of the sorted distinct <paramref name="ticks"/> lies within a quarter of <paramref name="step"/>
    /// of a step of the grid from the first: each rounds to its nearest step without coming near a toss-up between two.
    /// </summary>
    private static bool HoldsEveryRow(long[] ticks, long step)
    {
        foreach (var time in ticks)
        {
            var past = (time - ticks[0]) % step;
            if (Math.Min(past, step - past) * 4 > step)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The median gap between the sorted distinct whole-second <paramref name="seconds"/>, snapped to a common step within 2%.</summary>
    private static long MedianGapSeconds(long[] seconds)
    {
        var gaps = new long[seconds.Length - 1];
        for (var i = 1; i < seconds.Length; i++)
        {
            gaps[i - 1] = seconds[i] - seconds[i - 1];
        }

        Array.Sort(gaps);
        var median = gaps[(gaps.Length - 1) / 2];
        foreach (var common in CommonStepsSeconds)
        {
            if (Math.Abs(median - common) <= common * 0.02)
            {
                return common;
            }
        }

        return median;
    }

    private static readonly long[] CommonStepsSeconds = [1, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 604800];
}
