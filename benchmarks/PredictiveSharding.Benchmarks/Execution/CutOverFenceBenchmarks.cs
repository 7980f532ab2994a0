using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using PredictiveSharding.Execution;
using PredictiveSharding.Execution.Journal;

namespace PredictiveSharding.Benchmarks.Execution;

/// <summary>
/// How long a cut-over holds host writes back: each invocation moves a 20,000-key partition (about 4 MB) four times
/// (src → dst → src …) with the default throttle while two client tasks keep writing to that partition through the
/// routing table (redirecting when a node answers NotOwner), 8,000 writes per second each (paced by the clock, see
/// <see cref="ClockPacer"/>), so every cut-over has changes to drain under the fence.
/// Every fence is timed from raised to released by a <see cref="FenceTimingDataMover"/> around the store; the custom
/// columns give p50 and max over all fences of the measured iterations (the executor's own FenceStatistics agree).
/// </summary>
[Config(typeof(Config))]
public class CutOverFenceBenchmarks
{
    private const int MovingKeys = 20_000;
    private const int ValueBytes = 200;
    private const int MovesPerInvocation = 4;
    private const int Writers = 2;

    // What the writers' former pacing stated (a 1 ms pause every 8 writes): each ran at about 2,000 writes per second,
    // because Task.Delay(1) sleeps a whole 4 ms timer tick on this project's hosts.
    private const double WritesPerSecond = 8_000;
    private ExecutionBenchmarkStore _store = null!;
    private FileMoveJournal _journal = null!;
    private ShardingExecutor _executor = null!;
    private long _measuredWrites;
    private TimeSpan _measuredTime;

    [GlobalSetup]
    public void Setup()
    {
        _store = new ExecutionBenchmarkStore(MovingKeys, stayingKeys: 1_000, ValueBytes);
        _journal = FileMoveJournal.OpenAsync(Path.Combine(_store.Folder, "moves.journal"), "bench").GetAwaiter().GetResult();
        var timed = new FenceTimingDataMover(_store.Cluster, ms => SampleRecorder.Add(CaseKey, ms));
        _executor = new ShardingExecutor(_store.Routing, timed, _journal, new ExecutorOptions { CleanupGracePeriod = TimeSpan.Zero });

        // The writers must run at about their stated rate, or the fences drain fewer changes than stated.
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(0.5));
        var started = Stopwatch.GetTimestamp();
        var written = Task.WhenAll(Enumerable.Range(0, Writers).Select(w => Task.Run(() => WriteAsync(w, stop.Token)))).GetAwaiter().GetResult().Sum();
        var rate = written / Stopwatch.GetElapsedTime(started).TotalSeconds / Writers;
        if (rate < WritesPerSecond / 2)
        {
            throw new InvalidOperationException($"The writers ran {rate:0} writes per second each, under half of their {WritesPerSecond:0}: the fences would drain fewer changes than stated.");
        }

        Console.WriteLine($"// pace check: {rate:0} writes per second per writer (stated {WritesPerSecond:0})");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        var fences = _executor.FenceStatistics;
        Console.WriteLine($"// executor's own fence statistics: {fences.Count} fences, p50 {fences.P50.TotalMilliseconds:0.000} ms, max {fences.Max.TotalMilliseconds:0.000} ms");
        Console.WriteLine($"// writers over all invocations: {_measuredWrites} writes in {_measuredTime.TotalSeconds:0.0} s, {_measuredWrites / _measuredTime.TotalSeconds / Writers:0} writes per second per writer (stated {WritesPerSecond:0})");
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
        var started = Stopwatch.GetTimestamp();
        var writers = Enumerable.Range(0, Writers).Select(w => Task.Run(() => WriteAsync(w, stop.Token))).ToArray();
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
        }

        var acknowledged = (await Task.WhenAll(writers).ConfigureAwait(false)).Sum();
        _measuredWrites += acknowledged;
        _measuredTime += Stopwatch.GetElapsedTime(started);
        return acknowledged;
    }

    /// <summary>One writer: random keys of the moving partition at <see cref="WritesPerSecond"/> until stopped; returns the writes acknowledged.</summary>
    private async Task<long> WriteAsync(int writer, CancellationToken stop)
    {
        var random = new Random(writer);
        var value = ExecutionBenchmarkStore.Value(ValueBytes, writer);
        var pacer = new ClockPacer(WritesPerSecond);
        try
        {
            while (!stop.IsCancellationRequested)
            {
                var key = _store.Keys[random.Next(MovingKeys)];
                while (!(await _store.Cluster.Node(_store.Routing.Current.Route(key).Node).PutAsync(key, value, stop).ConfigureAwait(false)).Applied)
                {
                    // Redirected: the cut-over published a new owner while this write waited.
                }

                await pacer.PaceAsync(stop).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            // Stopped, while writing or pausing.
        }

        return pacer.Operations;
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
