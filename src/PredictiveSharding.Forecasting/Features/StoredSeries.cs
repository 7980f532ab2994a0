using System.Globalization;
using PredictiveSharding.Telemetry;
using PredictiveSharding.Topology;

namespace PredictiveSharding.Forecasting.Features;

/// <summary>The retained values of one partition's series: what a baseline keeps between fit, update and forecast.</summary>
internal sealed class StoredSeries
{
    public StoredSeries(PartitionId partition, DateTimeOffset start, TimeSpan step, double[] values)
    {
        Partition = partition;
        Start = start;
        Step = step;
        Values = values;
    }

    public PartitionId Partition { get; }

    /// <summary>The start of the first retained bucket.</summary>
    public DateTimeOffset Start { get; }

    public TimeSpan Step { get; }

    public double[] Values { get; }

    /// <summary>The end of the last retained bucket (exclusive).</summary>
    public DateTimeOffset End => Start + (Step * Values.Length);

    /// <summary>Reads a series, checking its values.</summary>
    public static StoredSeries From(PartitionLoadSeries series, string paramName) =>
        new(series.Partition, series.Start, series.Step, LoadValues.Of(series, paramName));

    /// <summary>
    /// This series extended by the buckets of <paramref name="recent"/> that start at or after <see cref="End"/>
    /// (buckets already known are skipped), keeping at most <paramref name="maxLength"/> of the newest values.
    /// </summary>
    /// <exception cref="ArgumentException">The step differs, or <paramref name="recent"/> leaves a gap after <see cref="End"/>.</exception>
    public StoredSeries Append(PartitionLoadSeries recent, int maxLength, string paramName)
    {
        if (recent.Step != Step)
        {
            throw new ArgumentException($"Series '{recent.Partition}' has step {recent.Step} but was fitted with step {Step}.", paramName);
        }

        var values = LoadValues.Of(recent, paramName);
        var first = 0;
        while (first < values.Length && recent.Buckets[first].Start < End)
        {
            first++;
        }

        if (first < values.Length && recent.Buckets[first].Start != End)
        {
            throw new ArgumentException(
                string.Create(CultureInfo.InvariantCulture, $"Series '{recent.Partition}' resumes at {recent.Buckets[first].Start:O} but the forecaster's data ends at {End:O}; gaps are refused (fill missing buckets with zeros if no requests were seen)."),
                paramName);
        }

        var added = values.Length - first;
        var total = Values.Length + added;
        var keep = Math.Min(total, maxLength);
        var merged = new double[keep];
        var skip = total - keep;
        var fromOld = Math.Max(Values.Length - skip, 0);
        Array.Copy(Values, Values.Length - fromOld, merged, 0, fromOld);
        Array.Copy(values, first + Math.Max(skip - Values.Length, 0), merged, fromOld, keep - fromOld);
        return new StoredSeries(Partition, Start + (Step * skip), Step, merged);
    }

    /// <summary>
    /// Whether <paramref name="recent"/> comes back after a gap: its first bucket starts after <paramref name="end"/>, where
    /// the data held for its partition ends. The forecasters then start the partition again from <paramref name="recent"/>
    /// alone, as one they never had: the id left the harvested series (a Redis slot range can recur), and what it served
    /// meanwhile went to other ids, so filling the gap with zeros would teach a seasonal model an idle stretch that never
    /// was, and the old data describes a range that has since been elsewhere.
    /// </summary>
    public static bool ReturnsAfterGap(PartitionLoadSeries recent, DateTimeOffset end) => recent.Count > 0 && recent.Start > end;

    /// <summary>
    /// A baseline's update of a partition it has no model for (new, back after a gap, or held from an earlier update as
    /// too short): its data joined to what is held of it (unless it returns after a gap, when it starts again), and
    /// returned once it holds <paramref name="minimumLength"/> values; until then it is held in <paramref name="held"/>,
    /// named in <paramref name="tooShort"/>, and null is returned.
    /// </summary>
    public static StoredSeries? Admit(Dictionary<PartitionId, StoredSeries> held, PartitionLoadSeries recent, int maxLength, long minimumLength, string paramName, ref List<PartitionId>? tooShort)
    {
        var stored = held.TryGetValue(recent.Partition, out var earlier) && !ReturnsAfterGap(recent, earlier.End)
            ? earlier.Append(recent, maxLength, paramName)
            : From(recent, paramName);
        if (stored.Values.Length < minimumLength)
        {
            held[recent.Partition] = stored;
            (tooShort ??= []).Add(recent.Partition);
            return null;
        }

        held.Remove(recent.Partition);
        return stored;
    }

    /// <summary>This series keeping at most <paramref name="maxLength"/> of its newest values.</summary>
    public StoredSeries Truncate(int maxLength)
    {
        if (Values.Length <= maxLength)
        {
            return this;
        }

        var skip = Values.Length - maxLength;
        return new StoredSeries(Partition, Start + (Step * skip), Step, Values[skip..]);
    }
}
