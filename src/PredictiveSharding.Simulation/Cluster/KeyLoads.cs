using System.Globalization;
using PredictiveSharding.Keys;
using PredictiveSharding.Traces;

namespace PredictiveSharding.Simulation.Cluster;

/// <summary>
/// A key trace laid out step by step (all keys of a step side by side), so that summing a key range at one step reads
/// memory in order: the replay does that for every partition of every strategy at every step.
/// </summary>
internal sealed class KeyLoads
{
    private readonly double[] _values;
    private readonly double[] _totals;

    public KeyLoads(KeyTrace trace)
        : this(trace.Keys, trace.Start, trace.Step, trace.StepCount, trace.CountsOf)
    {
    }

    /// <summary>Builds from per-key series (tests build small traces this way).</summary>
    public KeyLoads(IReadOnlyList<ShardKey> keys, DateTimeOffset start, TimeSpan step, double[][] countsByKey)
        : this(keys, start, step, countsByKey.Length == 0 ? 0 : countsByKey[0].Length, k => countsByKey[k])
    {
    }

    private delegate ReadOnlySpan<double> SeriesOf(int key);

    private KeyLoads(IReadOnlyList<ShardKey> keys, DateTimeOffset start, TimeSpan step, int steps, SeriesOf seriesOf)
    {
        ArgumentNullException.ThrowIfNull(keys);
        if (keys.Count == 0 || steps == 0)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"The trace is empty ({keys.Count} keys, {steps} steps); a simulation needs at least one key and one step."), nameof(keys));
        }

        for (var k = 1; k < keys.Count; k++)
        {
            if (keys[k - 1] >= keys[k])
            {
                throw new ArgumentException($"Trace keys must be strictly ascending; '{keys[k]}' follows '{keys[k - 1]}'.", nameof(keys));
            }
        }

        var cells = (long)keys.Count * steps;
        if (cells > Array.MaxLength)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"The trace has {keys.Count} keys × {steps} steps = {cells} cells, more than one replay can hold."), nameof(keys));
        }

        Keys = keys;
        Start = start;
        Step = step;
        KeyCount = keys.Count;
        StepCount = steps;
        _values = new double[cells];
        _totals = new double[steps];
        for (var k = 0; k < KeyCount; k++)
        {
            var series = seriesOf(k);
            if (series.Length != steps)
            {
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"Key '{keys[k]}' has {series.Length} steps; others have {steps}."), nameof(keys));
            }

            for (var s = 0; s < steps; s++)
            {
                var v = series[s];
                if (!double.IsFinite(v) || v < 0)
                {
                    throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"Key '{keys[k]}' has a count of {v} at step {s}; counts must be finite and non-negative."), nameof(keys));
                }

                _values[((long)s * KeyCount) + k] = v;
                _totals[s] += v;
            }
        }

        for (var s = 0; s < steps; s++)
        {
            if (!double.IsFinite(_totals[s]))
            {
                // Each count was finite, their sum not: the peak was infinite and nodes sized to infinite capacity.
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"The keys' requests at step {s} sum to more than {double.MaxValue}; a replay cannot add up the load of a node or the cluster."), nameof(keys));
            }
        }
    }

    public IReadOnlyList<ShardKey> Keys { get; }

    /// <summary>
    /// Maps each key to a range of <paramref name="fanout"/> keys (the key's bytes followed by a two-byte big-endian index)
    /// sharing its requests equally: a trace of series (a function, an article) becomes a key space in which a hot series
    /// is a range that can be split, as a store keyed by series then row would see it. Order is kept, since every key gets
    /// a suffix of the same length, unless a key is a prefix of the next one and its range reaches past it ("user" + 0x2D31
    /// is "user-1"): then every key's bytes are escaped first (0x00 as 0x00 0x01) and ended by 0x00 0x00, which no
    /// continuation of a longer key comes before.
    /// </summary>
    public KeyLoads Expand(int fanout)
    {
        if (fanout < 1 || fanout > ushort.MaxValue + 1)
        {
            throw new ArgumentOutOfRangeException(nameof(fanout), fanout, string.Create(CultureInfo.InvariantCulture, $"The key fan-out must be from 1 to 65536; got {fanout}."));
        }

        if (fanout == 1)
        {
            return this;
        }

        // Checked before anything is allocated: the key count alone can pass int.MaxValue.
        var cells = (long)KeyCount * fanout * StepCount;
        if (cells > Array.MaxLength)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"The trace has {KeyCount} keys × fan-out {fanout} × {StepCount} steps = {cells} cells, more than one replay can hold."), nameof(fanout));
        }

        var keys = SuffixedKeys(fanout, escaped: false);
        for (var k = 1; k < KeyCount; k++)
        {
            if (keys[(k * fanout) - 1] >= keys[k * fanout])
            {
                // A key's range reached into the next key's (which the first is a prefix of): the trace was refused as unordered.
                keys = SuffixedKeys(fanout, escaped: true);
                break;
            }
        }

        var counts = new double[keys.Length][];
        for (var k = 0; k < KeyCount; k++)
        {
            var series = new double[StepCount];
            for (var s = 0; s < StepCount; s++)
            {
                series[s] = _values[((long)s * KeyCount) + k] / fanout;
            }

            for (var i = 0; i < fanout; i++)
            {
                counts[(k * fanout) + i] = series;
            }
        }

        return new KeyLoads(keys, Start, Step, counts);
    }

    /// <summary>
    /// Each key's bytes followed by each two-byte big-endian index below <paramref name="fanout"/>; when <paramref name="escaped"/>,
    /// the key's bytes with 0x00 as 0x00 0x01 and then 0x00 0x00 before the index, so that no key's range reaches into the next's.
    /// </summary>
    private ShardKey[] SuffixedKeys(int fanout, bool escaped)
    {
        var keys = new ShardKey[KeyCount * fanout];
        for (var k = 0; k < KeyCount; k++)
        {
            var key = Keys[k].Span;
            var bytes = new List<byte>(key.Length + 4);
            foreach (var b in key)
            {
                bytes.Add(b);
                if (escaped && b == 0)
                {
                    bytes.Add(1);
                }
            }

            if (escaped)
            {
                bytes.AddRange([0, 0]);
            }

            bytes.AddRange([0, 0]);
            var buffer = bytes.ToArray();
            for (var i = 0; i < fanout; i++)
            {
                buffer[^2] = (byte)(i >> 8);
                buffer[^1] = (byte)i;
                keys[(k * fanout) + i] = ShardKey.FromBytes(buffer);
            }
        }

        return keys;
    }

    public DateTimeOffset Start { get; }

    public TimeSpan Step { get; }

    public int KeyCount { get; }

    public int StepCount { get; }

    /// <summary>Requests of every key at a step, in key order.</summary>
    public ReadOnlySpan<double> Row(int step) => _values.AsSpan(step * KeyCount, KeyCount);

    public double TotalAt(int step) => _totals[step];

    public DateTimeOffset StartOf(int step) => Start + (Step * step);

    /// <summary>Requests of keys [lo, hi) at a step.</summary>
    public double RangeSum(int step, int lo, int hi)
    {
        var row = _values.AsSpan((step * KeyCount) + lo, hi - lo);
        double sum = 0;
        foreach (var v in row)
        {
            sum += v;
        }

        return sum;
    }

    /// <summary>Requests of keys [lo, hi) at each step of [fromStep, toStep).</summary>
    public double[] RangeSeries(int lo, int hi, int fromStep, int toStep)
    {
        var series = new double[Math.Max(0, toStep - fromStep)];
        for (var s = fromStep; s < toStep; s++)
        {
            series[s - fromStep] = RangeSum(s, lo, hi);
        }

        return series;
    }

    /// <summary>Requests of each key of [lo, hi) summed over the steps [fromStep, toStep).</summary>
    public double[] KeyTotals(int lo, int hi, int fromStep, int toStep)
    {
        var totals = new double[hi - lo];
        for (var s = Math.Max(0, fromStep); s < Math.Min(StepCount, toStep); s++)
        {
            var row = _values.AsSpan((s * KeyCount) + lo, hi - lo);
            for (var k = 0; k < row.Length; k++)
            {
                totals[k] += row[k];
            }
        }

        return totals;
    }

    /// <summary>The largest total load of any step.</summary>
    public double PeakTotal()
    {
        double peak = 0;
        foreach (var t in _totals)
        {
            peak = Math.Max(peak, t);
        }

        return peak;
    }

    /// <summary>The largest single-key load at a step.</summary>
    public double MaxKeyAt(int step)
    {
        double max = 0;
        foreach (var v in Row(step))
        {
            max = Math.Max(max, v);
        }

        return max;
    }

    /// <summary>The index of the first key not less than <paramref name="key"/> (the key count when none is).</summary>
    public int LowerBound(ShardKey key)
    {
        int lo = 0, hi = KeyCount;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (Keys[mid] < key)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        return lo;
    }
}
