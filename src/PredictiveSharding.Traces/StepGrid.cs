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
    /// The median gap between consecutive distinct timestamps, snapped to a common step (1 s … 1 week) when within 2%
    /// of one, since real traces drift by seconds (NAB's 5-minute series show gaps of 299–301 s). Timestamps are taken
    /// to the whole second: series sampled milliseconds apart then share a timestamp (pooled gaps in ticks inferred a
    /// step of milliseconds from them), and steps are whole seconds.
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

        var gaps = new long[times.Length - 1];
        for (var i = 1; i < times.Length; i++)
        {
            gaps[i - 1] = times[i] - times[i - 1];
        }

        Array.Sort(gaps);
        var median = gaps[(gaps.Length - 1) / 2];
        foreach (var common in CommonStepsSeconds)
        {
            if (Math.Abs(median - common) <= common * 0.02)
            {
                return TimeSpan.FromSeconds(common);
            }
        }

        return median > 0
            ? TimeSpan.FromSeconds(median)
            : throw new TraceFormatException(string.Create(CultureInfo.InvariantCulture, $"{source}: could not infer a step from the timestamps."));
    }

    private static readonly long[] CommonStepsSeconds = [1, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 604800];
}
