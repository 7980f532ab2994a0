using System.Globalization;
using PredictiveSharding.Keys;
using PredictiveSharding.Telemetry;
using PredictiveSharding.Topology;

namespace PredictiveSharding.Traces;

/// <summary>
/// Reads long-format CSV traces with ISO-8601 timestamps (a zone-less timestamp is taken as UTC):
/// <c>timestamp,series,value</c> into load series and <c>timestamp,key,count</c> into a <see cref="KeyTrace"/>.
/// </summary>
/// <remarks>
/// <para>Columns: found by name (any case, any order, other columns ignored). Each has aliases, taken only when the header
/// has no column of the documented name: <c>time</c> or <c>date</c> for <c>timestamp</c>; <c>series</c> or <c>name</c> for
/// <c>key</c>; <c>name</c> or <c>id</c> for <c>series</c>; <c>value</c> for <c>count</c> and <c>count</c> for <c>value</c>.</para>
/// <para>Spaces: spaces around an unquoted field are layout and ignored (<c>timestamp, key, count</c> is a
/// header like any other); a quoted name keeps them exactly (<c>" a "</c> is its own name). A file that writes one key or
/// series name both with and without spaces around it (<c>a</c> on one row, <c> a </c> on another) is refused naming both
/// lines: reading them as one name would sum two spellings silently.</para>
/// <para>Step: when none is given it is inferred per series (or key), as the median gap between that series' consecutive
/// distinct timestamps (snapped to a common step within 2%). The file's step is the smallest of these, or the largest
/// divisor of it whose grid holds every row within a quarter step (2-hourly and 3-hourly series: hourly), but never finer
/// than the median gap of all timestamps taken together, which is the step when no coarser grid holds every row that
/// closely (keys each requested every other minute, in turn: a minute) or no series has two timestamps. Each timestamp
/// is rounded to the nearest step from the first (absorbing clock drift of a few seconds, and series sampled at other
/// moments of the step, such as :00:00 and :00:30 of each hour). When a step is given, timestamps are floored to steps
/// aligned to the Unix epoch and values falling into one step are summed (aggregation).</para>
/// <para>Order: within a series (or key) timestamps must not go backwards; in a series file a timestamp must not repeat.
/// Gaps: a missing step of a <c>series</c> file is filled by linear interpolation between its neighbours (a missing
/// sample is unknown, not zero); a missing step of a <c>key</c> file is zero requests (no row, no request).</para>
/// </remarks>
public static class TraceCsv
{
    /// <summary>
    /// Most counts (keys × steps) a key trace holds: 2^27 doubles, 1 GiB. Real traces need far fewer (5,000 keys × a week
    /// of minutes is 50 million); more is a stray far-off row, refused by name rather than run out of memory.
    /// </summary>
    internal const long MaxKeyTraceCounts = 1L << 27;

    /// <summary>
    /// Most buckets the series of one file hold in all, gaps filled: 2^26 (each a bucket object, several GiB at that).
    /// Real series files need far fewer (1,000 series × 2,000 hours is 2 million); more is a stray far-off row, refused by
    /// name rather than run out of memory.
    /// </summary>
    internal const long MaxSeriesBuckets = 1L << 26;

    /// <summary>Reads <c>timestamp,series,value</c> from a file: UTF-8, or UTF-16/UTF-32 with a byte-order mark.</summary>
    /// <exception cref="TraceFormatException">Malformed content; the message names the line and value (bytes that do not decode, which would make different names one, are named instead of a line).</exception>
    public static IReadOnlyList<PartitionLoadSeries> ReadSeries(string path, TimeSpan? step = null) => ReadSeries(path, step, CancellationToken.None);

    /// <summary>Reads <c>timestamp,series,value</c> from a file, stopping between rows when cancelled.</summary>
    /// <exception cref="TraceFormatException">Malformed content.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    internal static IReadOnlyList<PartitionLoadSeries> ReadSeries(string path, TimeSpan? step, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        using var reader = LongCsvParser.OpenText(path);
        return ReadSeries(ReadSeriesRows(reader, path, cancellationToken), step, path);
    }

    /// <summary>Reads <c>timestamp,series,value</c>; one series per distinct name, in order of first appearance.</summary>
    /// <exception cref="TraceFormatException">Malformed content, timestamps out of order or repeated within a series.</exception>
    public static IReadOnlyList<PartitionLoadSeries> ReadSeries(TextReader reader, TimeSpan? step = null, string source = "input")
    {
        ArgumentNullException.ThrowIfNull(reader);
        return ReadSeries(ReadSeriesRows(reader, source, CancellationToken.None), step, source);
    }

    /// <summary>
    /// Reads <c>timestamp,series,value</c> from a file summed to <paramref name="step"/> (as <see cref="ReadSeries(string, TimeSpan?)"/>
    /// with that step) and drops a series' first or last step when its samples cover it only in part: when they leave at
    /// least one median sample gap more of the step uncovered (before the first sample, or after the last) than any of
    /// the series' inner steps leaves, a sample is missing there, and the sum would be a low outlier no load ever had.
    /// </summary>
    /// <exception cref="TraceFormatException">Malformed content, timestamps out of order or repeated within a series.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    internal static IReadOnlyList<PartitionLoadSeries> ReadSeriesInWholeSteps(string path, TimeSpan step, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        List<TraceRow> rows;
        using (var reader = LongCsvParser.OpenText(path))
        {
            rows = ReadSeriesRows(reader, path, cancellationToken);
        }

        rows = SnappedToOwnStep(rows, step, path);
        var series = ReadSeries(rows, step, path);
        var times = new Dictionary<string, List<DateTimeOffset>>(StringComparer.Ordinal);
        foreach (var row in rows)
        {
            if (!times.TryGetValue(row.Name, out var list))
            {
                times[row.Name] = list = [];
            }

            list.Add(row.Timestamp);
        }

        return series.Select(s => WholeSteps(s, times[s.Partition.Value])).ToList();
    }

    /// <summary>
    /// Moves each sample within 2% of the file's own step (whole seconds, as inferred) from a point of that step's grid
    /// onto it, when that step divides <paramref name="step"/>: per-minute samples scraped at 00:04:59.97 belong to the
    /// 00:05 step, and summed where their raw time falls they made a ±20% sawtooth of steady load at five minutes. A
    /// sample further off (an extra sample between two regular ones) stays where it is, and so does one whose snapped
    /// time its series already has.
    /// </summary>
    private static List<TraceRow> SnappedToOwnStep(List<TraceRow> rows, TimeSpan step, string source)
    {
        if (rows.Select(r => r.Timestamp.UtcTicks / TimeSpan.TicksPerSecond).Distinct().Take(2).Count() < 2)
        {
            return rows;
        }

        var own = StepGrid.InferStep(rows, source).Ticks;
        if (own >= step.Ticks || step.Ticks % own != 0)
        {
            return rows;
        }

        var epoch = DateTimeOffset.UnixEpoch.UtcTicks;
        var tolerance = own / 50;
        var last = new Dictionary<string, long>(StringComparer.Ordinal);
        var lastRaw = new Dictionary<string, long>(StringComparer.Ordinal);
        var snapped = new List<TraceRow>(rows.Count);
        foreach (var row in rows)
        {
            var ticks = row.Timestamp.UtcTicks;
            if (lastRaw.TryGetValue(row.Name, out var previousRaw) && ticks <= previousRaw)
            {
                // A timestamp repeated or going back in time is refused by the reader, as without a step: snapped one tick
                // past its predecessor below, it was read (and summed) instead.
                return rows;
            }

            lastRaw[row.Name] = ticks;
            var nearest = epoch + ((long)Math.Round((ticks - epoch) / (double)own) * own);
            var time = Math.Abs(ticks - nearest) <= tolerance ? nearest : ticks;
            if (last.TryGetValue(row.Name, out var previous) && time <= previous)
            {
                // Snapping must not make two samples of a series one, nor reorder them.
                time = Math.Max(ticks, previous + 1);
            }

            last[row.Name] = time;
            snapped.Add(row with { Timestamp = new DateTimeOffset(time, TimeSpan.Zero) });
        }

        return snapped;
    }

    private static PartitionLoadSeries WholeSteps(PartitionLoadSeries series, List<DateTimeOffset> times)
    {
        if (series.Count < 3)
        {
            // Without a step between the first and the last there is no whole step to compare the ends with.
            return series;
        }

        var origin = series.Buckets[0].Start.UtcTicks;
        var step = series.Step.Ticks;
        var gaps = new long[times.Count - 1];
        long interiorLead = 0;
        long interiorTrail = 0;
        for (var i = 0; i < times.Count; i++)
        {
            var ticks = times[i].UtcTicks;
            var index = (ticks - origin) / step;
            if (i > 0)
            {
                gaps[i - 1] = ticks - times[i - 1].UtcTicks;
            }

            if (index > 0 && index < series.Count - 1)
            {
                // How much of a step its own samples leave uncovered before the first and after the last of them.
                var stepStart = origin + (index * step);
                if (i == 0 || (times[i - 1].UtcTicks - origin) / step != index)
                {
                    interiorLead = Math.Max(interiorLead, ticks - stepStart);
                }

                if (i == times.Count - 1 || (times[i + 1].UtcTicks - origin) / step != index)
                {
                    interiorTrail = Math.Max(interiorTrail, stepStart + step - ticks);
                }
            }
        }

        Array.Sort(gaps);
        var gap = gaps[(gaps.Length - 1) / 2];

        // An end step is partial when its samples leave at least one more sample gap uncovered than any whole step's do:
        // per-minute samples from 00:03 leave 3 minutes of 00:00–00:05 where whole steps leave none, while samples at
        // :00 and :20 of each minute leave 40 s at the end of every minute, the last one included.
        var skip = times[0].UtcTicks - origin >= interiorLead + gap ? 1 : 0;
        var dropLast = series.End.UtcTicks - times[^1].UtcTicks >= interiorTrail + gap ? 1 : 0;
        return skip == 0 && dropLast == 0
            ? series
            : new PartitionLoadSeries(series.Partition, series.Step, series.Buckets.Skip(skip).Take(series.Count - skip - dropLast).ToList());
    }

    private static List<TraceRow> ReadSeriesRows(TextReader reader, string source, CancellationToken cancellationToken) =>
        LongCsvParser.Read(reader, source, ["series", "name", "id"], ["value", "count"], allowZeroValueOnly: false, cancellationToken);

    private static List<PartitionLoadSeries> ReadSeries(List<TraceRow> rows, TimeSpan? step, string source)
    {
        var grid = StepGrid.Create(rows, step, source);
        var bySeries = new Dictionary<string, SortedDictionary<long, double>>(StringComparer.Ordinal);
        var lastSeen = new Dictionary<string, TraceRow>(StringComparer.Ordinal);
        var order = new List<string>();
        foreach (var row in rows)
        {
            if (lastSeen.TryGetValue(row.Name, out var previous))
            {
                if (row.Timestamp < previous.Timestamp)
                {
                    throw new TraceFormatException(string.Create(CultureInfo.InvariantCulture, $"{source}, line {row.Line}: series '{row.Name}' goes back in time from {previous.Timestamp:O} (line {previous.Line}) to {row.Timestamp:O}."));
                }

                if (row.Timestamp == previous.Timestamp)
                {
                    throw new TraceFormatException(string.Create(CultureInfo.InvariantCulture, $"{source}, line {row.Line}: series '{row.Name}' repeats timestamp {row.Timestamp:O} (first at line {previous.Line})."));
                }
            }
            else
            {
                bySeries[row.Name] = [];
                order.Add(row.Name);
            }

            lastSeen[row.Name] = row;
            var index = grid.IndexOf(row.Timestamp);
            var values = bySeries[row.Name];
            if (values.TryGetValue(index, out var existing))
            {
                if (step is null)
                {
                    throw new TraceFormatException(string.Create(CultureInfo.InvariantCulture, $"{source}, line {row.Line}: series '{row.Name}' has two samples in the step starting {grid.StartOf(index):O} (inferred step {grid.Step}); pass an explicit step to the reader to sum the samples of each step."));
                }

                var sum = existing + row.Value;
                if (!double.IsFinite(sum))
                {
                    throw new TraceFormatException(string.Create(CultureInfo.InvariantCulture, $"{source}, line {row.Line}: series '{row.Name}' sums to more than {double.MaxValue} in the step starting {grid.StartOf(index):O}."));
                }

                values[index] = sum;
            }
            else
            {
                values[index] = row.Value;
            }
        }

        long total = 0;
        foreach (var name in order)
        {
            var values = bySeries[name];
            var steps = values.Keys.Last() - values.Keys.First() + 1;
            total += steps;
            if (steps > Array.MaxLength || total > MaxSeriesBuckets)
            {
                var last = lastSeen[name];
                throw new TraceFormatException(string.Create(CultureInfo.InvariantCulture, $"{source}, line {last.Line}: series '{name}' would span {steps} steps of {grid.Step} up to {last.Timestamp:O}; with the series before it that is {total} buckets, more than the {MaxSeriesBuckets} a file's series hold. Give a longer step or remove the stray row."));
            }
        }

        return order.Select(name => ToSeries(name, bySeries[name], grid)).ToList();
    }

    /// <summary>Reads <c>timestamp,key,count</c> from a file: UTF-8, or UTF-16/UTF-32 with a byte-order mark.</summary>
    /// <exception cref="TraceFormatException">Malformed content; the message names the line and value (bytes that do not decode, which would make different names one, are named instead of a line).</exception>
    public static KeyTrace ReadKeyTrace(string path, TimeSpan? step = null) => ReadKeyTrace(path, step, CancellationToken.None);

    /// <summary>Reads <c>timestamp,key,count</c> from a file, stopping between rows when cancelled.</summary>
    /// <exception cref="TraceFormatException">Malformed content.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    internal static KeyTrace ReadKeyTrace(string path, TimeSpan? step, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        using var reader = LongCsvParser.OpenText(path);
        return ReadKeyTrace(reader, step, path, cancellationToken);
    }

    /// <summary>Reads <c>timestamp,key,count</c>: any key strings (the empty key included), any step.</summary>
    /// <exception cref="TraceFormatException">Malformed content, or a key's timestamps going backwards.</exception>
    public static KeyTrace ReadKeyTrace(TextReader reader, TimeSpan? step = null, string source = "input") => ReadKeyTrace(reader, step, source, CancellationToken.None);

    /// <summary>Reads <c>timestamp,key,count</c>, stopping between rows when cancelled.</summary>
    /// <exception cref="TraceFormatException">Malformed content, or a key's timestamps going backwards.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    internal static KeyTrace ReadKeyTrace(TextReader reader, TimeSpan? step, string source, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var rows = LongCsvParser.Read(reader, source, ["key", "series", "name"], ["count", "value"], allowZeroValueOnly: true, cancellationToken);
        var grid = StepGrid.Create(rows, step, source);
        var lastSeen = new Dictionary<string, TraceRow>(StringComparer.Ordinal);
        long maxIndex = 0;
        var maxRow = rows[0];
        foreach (var row in rows)
        {
            if (lastSeen.TryGetValue(row.Name, out var previous) && row.Timestamp < previous.Timestamp)
            {
                throw new TraceFormatException(string.Create(CultureInfo.InvariantCulture, $"{source}, line {row.Line}: key '{row.Name}' goes back in time from {previous.Timestamp:O} (line {previous.Line}) to {row.Timestamp:O}."));
            }

            lastSeen[row.Name] = row;
            var index = grid.IndexOf(row.Timestamp);
            if (index > maxIndex)
            {
                maxIndex = index;
                maxRow = row;
            }
        }

        // Every key holds a count for every step: a stray far-off row must not ask for billions of them. Each array fitting
        // (the old check) was not enough: 200 keys × 300 minutes and one row eight years on passed and ran out of memory.
        if (maxIndex + 1 > MaxKeyTraceCounts / Math.Max(1, lastSeen.Count))
        {
            throw new TraceFormatException(string.Create(CultureInfo.InvariantCulture, $"{source}, line {maxRow.Line}: {maxRow.Timestamp:O} is {maxIndex} steps of {grid.Step} after the first timestamp ({grid.Origin:O}); {lastSeen.Count} keys × {maxIndex + 1} steps is {(double)lastSeen.Count * (maxIndex + 1):0.###e0} counts, more than the {MaxKeyTraceCounts} (1 GiB) a trace holds. Give a longer step or remove the stray row."));
        }

        var keys = new ShardKey[lastSeen.Count];
        var next = 0;
        foreach (var (name, row) in lastSeen)
        {
            keys[next++] = KeyOf(name, row, source);
        }

        Array.Sort(keys);
        var keyIndex = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < keys.Length; i++)
        {
            keyIndex[keys[i].ToUtf8String()] = i;
        }

        var steps = checked((int)(maxIndex + 1));
        var counts = new double[keys.Length][];
        for (var i = 0; i < counts.Length; i++)
        {
            counts[i] = new double[steps];
        }

        foreach (var row in rows)
        {
            var index = grid.IndexOf(row.Timestamp);
            ref var count = ref counts[keyIndex[row.Name]][index];
            count += row.Value;
            if (!double.IsFinite(count))
            {
                throw new TraceFormatException(string.Create(CultureInfo.InvariantCulture, $"{source}, line {row.Line}: key '{row.Name}' sums to more than {double.MaxValue} requests in the step starting {grid.StartOf(index):O}."));
            }
        }

        return new KeyTrace(grid.Origin, grid.Step, keys, counts);
    }

    private static ShardKey KeyOf(string name, TraceRow row, string source)
    {
        try
        {
            return ShardKey.FromString(name);
        }
        catch (ArgumentException e)
        {
            // A lone surrogate (from a reader over a string; a file's bytes decode to U+FFFD before this) has no UTF-8 key.
            throw new TraceFormatException(string.Create(CultureInfo.InvariantCulture, $"{source}, line {row.Line}: key '{name}' is not valid text: {e.Message.Replace($" (Parameter '{e.ParamName}')", string.Empty, StringComparison.Ordinal)}"), e);
        }
    }

    private static PartitionLoadSeries ToSeries(string name, SortedDictionary<long, double> values, StepGrid grid)
    {
        var first = values.Keys.First();
        var last = values.Keys.Last();
        var buckets = new LoadBucket[last - first + 1];
        long previousIndex = -1;
        double previousValue = 0;
        foreach (var (index, value) in values)
        {
            if (previousIndex >= 0)
            {
                // Linear interpolation across a gap: a missing sample is unknown, not zero.
                for (var gap = previousIndex + 1; gap < index; gap++)
                {
                    var t = (double)(gap - previousIndex) / (index - previousIndex);
                    buckets[gap - first] = LoadBucket.OfRequests(grid.StartOf(gap), previousValue + (t * (value - previousValue)));
                }
            }

            buckets[index - first] = LoadBucket.OfRequests(grid.StartOf(index), value);
            previousIndex = index;
            previousValue = value;
        }

        return new PartitionLoadSeries(new PartitionId(name), grid.Step, buckets);
    }
}
