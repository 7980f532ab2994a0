using PredictiveSharding.Keys;
using PredictiveSharding.Routing;
using PredictiveSharding.Telemetry;
using PredictiveSharding.Topology;

namespace PredictiveSharding.Traces;

/// <summary>
/// A request trace per key: for each key (sorted ordinally) and each step, how many requests it received.
/// Steps with no row for a key are zero requests.
/// </summary>
public sealed class KeyTrace
{
    private readonly double[][] _counts;

    internal KeyTrace(DateTimeOffset start, TimeSpan step, IReadOnlyList<ShardKey> keys, double[][] counts)
    {
        Start = start;
        Step = step;
        // A read-only view of a copy: the array itself, cast back to ShardKey[], let a caller rename or reorder keys under
        // their counts.
        Keys = Array.AsReadOnly(keys.ToArray());
        _counts = counts;
        StepCount = counts.Length == 0 ? 0 : counts[0].Length;
    }

    /// <summary>The start of the first step.</summary>
    public DateTimeOffset Start { get; }

    /// <summary>The step length.</summary>
    public TimeSpan Step { get; }

    /// <summary>The number of steps.</summary>
    public int StepCount { get; }

    /// <summary>The keys, in ascending ordinal order.</summary>
    public IReadOnlyList<ShardKey> Keys { get; }

    /// <summary>Requests per step of the key at <paramref name="keyIndex"/> in <see cref="Keys"/>.</summary>
    public ReadOnlySpan<double> CountsOf(int keyIndex) => _counts[keyIndex];

    /// <summary>Requests of all keys at a step.</summary>
    public double TotalAt(int step)
    {
        double total = 0;
        foreach (var counts in _counts)
        {
            total += counts[step];
        }

        return total;
    }

    /// <summary>The start time of a step.</summary>
    public DateTimeOffset StartOf(int step) => Start + (Step * step);

    /// <summary>Sums the keys of each partition of a routing map into one load series per partition.</summary>
    public IReadOnlyList<PartitionLoadSeries> AggregateBy(RoutingMap map)
    {
        ArgumentNullException.ThrowIfNull(map);
        var sums = new double[map.Count][];
        for (var p = 0; p < sums.Length; p++)
        {
            sums[p] = new double[StepCount];
        }

        for (var k = 0; k < Keys.Count; k++)
        {
            var target = sums[map.IndexOf(Keys[k].Span)];
            var counts = _counts[k];
            for (var s = 0; s < counts.Length; s++)
            {
                target[s] += counts[s];
            }
        }

        var series = new PartitionLoadSeries[map.Count];
        for (var p = 0; p < series.Length; p++)
        {
            series[p] = ToSeries(map.Routes[p].Partition, sums[p]);
        }

        return series;
    }

    /// <summary>One load series per key, the key's text as the series id.</summary>
    public IReadOnlyList<PartitionLoadSeries> ToSeries()
    {
        var series = new PartitionLoadSeries[Keys.Count];
        for (var k = 0; k < series.Length; k++)
        {
            series[k] = ToSeries(new PartitionId(Keys[k].ToString()), _counts[k]);
        }

        return series;
    }

    private PartitionLoadSeries ToSeries(PartitionId id, double[] values)
    {
        var buckets = new LoadBucket[values.Length];
        for (var s = 0; s < values.Length; s++)
        {
            buckets[s] = LoadBucket.OfRequests(StartOf(s), values[s]);
        }

        return new PartitionLoadSeries(id, Step, buckets);
    }
}
