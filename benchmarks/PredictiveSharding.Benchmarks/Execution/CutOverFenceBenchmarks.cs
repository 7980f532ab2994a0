using BenchmarkDotNet.Attributes;
using PredictiveSharding.Execution;
using PredictiveSharding.Execution.Journal;

namespace PredictiveSharding.Benchmarks.Execution;

/// <summary>
/// How long a cut-over holds host writes back: each invocation moves a 20,000-key partition (about 4 MB) four times
/// (src → dst → src …) with the default throttle while two client threads keep writing to that partition through the
/// routing table (redirecting when a node answers NotOwner), so every cut-over has changes to drain under the fence.
/// Every fence is timed from raised to released by a <see cref="FenceTimingDataMover"/> around the store; the custom
/// columns give p50 and max over all fences of the measured iterations (the executor's own FenceStatistics agree).
/// </summary>
[Config(typeof(Config))]
public class CutOverFenceBenchmarks
{
    private const int MovingKeys = 20_000;
    private const int ValueBytes = 200;
    private const int MovesPerInvocation = 4;
    private ExecutionBenchmarkStore _store = null!;
    private FileMoveJournal _journal = null!;
    private ShardingExecutor _executor = null!;

    [GlobalSetup]
    public void Setup()
    {
        _store = new ExecutionBenchmarkStore(MovingKeys, stayingKeys: 1_000, ValueBytes);
        _journal = FileMoveJournal.OpenAsync(Path.Combine(_store.Folder, "moves.journal"), "bench").GetAwaiter().GetResult();
        var timed = new FenceTimingDataMover(_store.Cluster, ms => SampleRecorder.Add(CaseKey, ms));
        _executor = new ShardingExecutor(_store.Routing, timed, _journal, new ExecutorOptions { CleanupGracePeriod = TimeSpan.Zero });
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        var fences = _executor.FenceStatistics;
        Console.WriteLine($"// executor's own fence statistics: {fences.Count} fences, p50 {fences.P50.TotalMilliseconds:0.000} ms, max {fences.Max.TotalMilliseconds:0.000} ms");
        _executor.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _journal.Dispose();
        _store.Dispose();
    }

    [IterationSetup]
    public void BeginIteration() => SampleRecorder.BeginIteration(CaseKey);

    /// <summary>Four moves under concurrent writes; returns the writes acknowledged meanwhile.</summary>
    [Benchmark]
    public async Task<long> MovesUnderWrites()
    {
        using var stop = new CancellationTokenSource();
        long acknowledged = 0;
        var writers = Enumerable.Range(0, 2).Select(w => Task.Run(async () =>
        {
            var random = new Random(w);
            var value = ExecutionBenchmarkStore.Value(ValueBytes, w);
            var count = 0;
            while (!stop.IsCancellationRequested)
            {
                var key = _store.Keys[random.Next(MovingKeys)];
                try
                {
                    while (!(await _store.Cluster.Node(_store.Routing.Current.Route(key).Node).PutAsync(key, value, stop.Token).ConfigureAwait(false)).Applied)
                    {
                        // Redirected: the cut-over published a new owner while this write waited.
                    }
                }
                catch (OperationCanceledException)
                {
                    break;
                }

                Interlocked.Increment(ref acknowledged);
                if (++count % 8 == 0)
                {
                    await Task.Delay(1).ConfigureAwait(false);
                }
            }
        })).ToArray();

        try
        {
            for (var i = 0; i < MovesPerInvocation; i++)
            {
                await ExecutionBenchmarkPlans.ExecuteAndCheckAsync(_executor, ExecutionBenchmarkPlans.MoveToOtherNode(_store)).ConfigureAwait(false);
            }
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            await Task.WhenAll(writers).ConfigureAwait(false);
        }

        return Interlocked.Read(ref acknowledged);
    }

    private static string CaseKey => RecordedPercentileColumn.CaseKey(nameof(MovesUnderWrites));

    private sealed class Config : BenchmarkDotNet.Configs.ManualConfig
    {
        public Config()
        {
            Add(new ExecutionBenchmarkConfig());
            AddColumn(new RecordedPercentileColumn("fence", 50), new RecordedPercentileColumn("fence", 100));
        }
    }
}
