using System.Text;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using PredictiveSharding.Keys;
using PredictiveSharding.Routing;
using PredictiveSharding.Telemetry;
using PredictiveSharding.Topology;

namespace PredictiveSharding.Benchmarks.Telemetry;

/// <summary>
/// Cost of <see cref="LoadRecorder.Record"/> per call on one thread and on all cores, each against a plain
/// <see cref="Interlocked.Increment(ref long)"/> of one shared counter in the same run (the cheapest thing a
/// request path could do to count). 128 partitions, 4,096 distinct keys spread over them, 1 in 16 calls sampled (the default).
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class LoadRecorderBenchmarks
{
    private const int CallsPerThread = 1 << 16;
    private const int Keys = 4096;
    private byte[][] _keys = [];
    private LoadRecorder _recorder = null!;
    private long _counter;
    private int _threads;

    [GlobalSetup]
    public void Setup()
    {
        _threads = Environment.ProcessorCount;
        var starts = Enumerable.Range(0, 128).Select(i => i == 0 ? ShardKey.Empty : ShardKey.FromString("user" + (i * 78).ToString("D5", System.Globalization.CultureInfo.InvariantCulture))).ToArray();
        var routes = starts.Select((s, i) => new PartitionRoute(new PartitionId("p" + i), new KeyRange(s, i == starts.Length - 1 ? null : starts[i + 1]), new NodeId("n" + (i % 8))));
        var table = new RoutingTable(new RoutingMap(routes, 0));
        _recorder = new LoadRecorder(table, new LoadRecorderOptions { BucketLength = TimeSpan.FromSeconds(1) });
        // 4,096 distinct keys in a seeded random order: drawing 4,096 numbers below 10,000 with replacement gave 3,332
        // distinct keys, not the 4,096 the published figure states.
        var numbers = Enumerable.Range(0, 10_000).ToArray();
        new Random(42).Shuffle(numbers);
        _keys = numbers.Take(Keys).Select(n => Encoding.UTF8.GetBytes("user" + n.ToString("D5", System.Globalization.CultureInfo.InvariantCulture))).ToArray();
        var distinct = _keys.Select(Convert.ToHexString).Distinct().Count();
        var partitions = _keys.Select(k => table.Current.IndexOf(k)).Distinct().Count();
        if (distinct != Keys || partitions != starts.Length)
        {
            throw new InvalidOperationException($"The benchmark's keys must be {Keys} distinct keys over all {starts.Length} partitions; got {distinct} over {partitions}.");
        }
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = CallsPerThread)]
    [BenchmarkCategory("OneThread")]
    public long InterlockedIncrement_OneThread()
    {
        for (var i = 0; i < CallsPerThread; i++)
        {
            Interlocked.Increment(ref _counter);
        }

        return _counter;
    }

    [Benchmark(OperationsPerInvoke = CallsPerThread)]
    [BenchmarkCategory("OneThread")]
    public void Record_OneThread()
    {
        var keys = _keys;
        for (var i = 0; i < CallsPerThread; i++)
        {
            _recorder.Record(keys[i & (Keys - 1)], (i & 3) == 0 ? RequestKind.Write : RequestKind.Read, 128);
        }
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = CallsPerThread)]
    [BenchmarkCategory("AllCores")]
    public void InterlockedIncrement_AllCores() => OnAllCores(_ =>
    {
        for (var i = 0; i < CallsPerThread; i++)
        {
            Interlocked.Increment(ref _counter);
        }
    });

    [Benchmark(OperationsPerInvoke = CallsPerThread)]
    [BenchmarkCategory("AllCores")]
    public void Record_AllCores() => OnAllCores(t =>
    {
        var keys = _keys;
        for (var i = 0; i < CallsPerThread; i++)
        {
            _recorder.Record(keys[(i + (t * 977)) & (Keys - 1)], (i & 3) == 0 ? RequestKind.Write : RequestKind.Read, 128);
        }
    });

    /// <summary>Runs the body on every core at once. Reported time is per call per thread: wall time / calls each thread made.</summary>
    private void OnAllCores(Action<int> body)
    {
        var threads = new Thread[_threads];
        for (var t = 0; t < threads.Length; t++)
        {
            var id = t;
            threads[t] = new Thread(() => body(id));
            threads[t].Start();
        }

        foreach (var thread in threads)
        {
            thread.Join();
        }
    }
}
