using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using PredictiveSharding.Telemetry;
using PredictiveSharding.Topology;

namespace PredictiveSharding.Benchmarks.Telemetry;

/// <summary>
/// The counting step of <see cref="LoadRecorder.Record"/> alone (no routing, no sampling), on one thread and on every
/// core, against independent interlocked adds on per-thread arrays in the same run: separates the recorder's own
/// cross-core traffic from what the machine costs any two threads doing interlocked work.
/// </summary>
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class PartitionCountersBenchmarks
{
    private const int Calls = 1 << 16;
    private PartitionCounters[] _counters = [];
    private long[][] _perThread = [];

    [GlobalSetup]
    public void Setup()
    {
        _counters = Enumerable.Range(0, 128).Select(i => new PartitionCounters(new PartitionId("p" + i), Environment.ProcessorCount, 16, 256, 32, 128, 1)).ToArray();
        _perThread = Enumerable.Range(0, Environment.ProcessorCount).Select(_ => new long[1024]).ToArray();
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Calls)]
    [BenchmarkCategory("OneThread")]
    public void SeparateInterlocked_OneThread() => AddSeparate(0);

    [Benchmark(OperationsPerInvoke = Calls)]
    [BenchmarkCategory("OneThread")]
    public void Add_OneThread() => AddCounters(0);

    [Benchmark(Baseline = true, OperationsPerInvoke = Calls)]
    [BenchmarkCategory("AllCores")]
    public void SeparateInterlocked_AllCores() => OnAllCores(AddSeparate);

    [Benchmark(OperationsPerInvoke = Calls)]
    [BenchmarkCategory("AllCores")]
    public void Add_AllCores() => OnAllCores(AddCounters);

    private void AddCounters(int thread)
    {
        var counters = _counters;
        for (var i = 0; i < Calls; i++)
        {
            counters[((i * 7) + (thread * 977)) & 127].Add(5, Thread.GetCurrentProcessorId() % Environment.ProcessorCount, RequestKind.Read, 128, 0, 0);
        }
    }

    private void AddSeparate(int thread)
    {
        // Same shape of work (two interlocked adds on a line picked among 128) on memory no other thread touches.
        var mine = _perThread[thread];
        for (var i = 0; i < Calls; i++)
        {
            var slot = (((i * 7) + (thread * 977)) & 127) * 8;
            Interlocked.Increment(ref mine[slot]);
            Interlocked.Add(ref mine[slot + 2], 128);
        }
    }

    private static void OnAllCores(Action<int> body)
    {
        var threads = Enumerable.Range(0, Environment.ProcessorCount).Select(t => new Thread(() => body(t))).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
    }
}
