using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Time.Testing;
using PredictiveSharding.Execution;
using PredictiveSharding.Executing;
using PredictiveSharding.Hosting.ControlLoop;
using PredictiveSharding.Hosting.DependencyInjection;
using PredictiveSharding.Hosting.Diagnostics;
using PredictiveSharding.Hosting.Execution;
using PredictiveSharding.Hosting.Inventory;
using PredictiveSharding.Hosting.Tests.Fakes;
using PredictiveSharding.Routing;
using PredictiveSharding.Telemetry;
using PredictiveSharding.Topology;

namespace PredictiveSharding.Hosting.Tests;

/// <summary>The health check during a cycle that runs longer than three intervals: a long move of the default executor.</summary>
public sealed class ControlLoopHealthCheckTests
{
    private static readonly DateTimeOffset Start = new(2026, 3, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Interval = TimeSpan.FromMinutes(1);

    [Test]
    public void Constructor_TakesNoClockAndTheOneThatTakesAnUnusedClockIsObsolete()
    {
        // The check reads time on the loop's own clock; the TimeProvider parameter was checked for null and then ignored,
        // so a host passing another clock than the loop's was silently not using it.
        var withoutClock = typeof(ControlLoopHealthCheck).GetConstructor([typeof(ShardingControlLoop), typeof(Microsoft.Extensions.Options.IOptions<ControlLoopOptions>)]);
        var withClock = typeof(ControlLoopHealthCheck).GetConstructor([typeof(ShardingControlLoop), typeof(Microsoft.Extensions.Options.IOptions<ControlLoopOptions>), typeof(TimeProvider)]);

        Assert.That(withoutClock, Is.Not.Null, "a constructor without the unused clock");
        Assert.That(withClock, Is.Not.Null, "the old constructor stays, so hosts that call it still build");
        var obsolete = withClock!.GetCustomAttributes(typeof(ObsoleteAttribute), inherit: false).Cast<ObsoleteAttribute>().SingleOrDefault();
        Assert.That(obsolete?.Message, Does.Contain("loop's own clock"));
    }

    [Test]
    public async Task AddPredictiveSharding_ResolvesTheHealthCheckAndItReportsHealthyBeforeTheFirstInterval()
    {
        var time = new FakeTimeProvider(Start);
        var services = new ServiceCollection();
        var routing = new RoutingTable(RoutingMap.WholeKeySpace(new PartitionId("all"), new NodeId("n1")));
        services.AddSingleton<TimeProvider>(time);
        services.AddSingleton<IRoutingTable>(routing);
        services.AddSingleton<IClusterInventory>(new FixedClusterInventory([new NodeInfo(new NodeId("n1"), new Dictionary<ResourceKind, double> { [ResourceKind.Requests] = 10 })], _ => (1, 1)));
        services.AddPredictiveSharding()
            .UseForecaster<LastValueForecaster>()
            .UsePlanner<HotPartitionPlanner>()
            .UseExecutor(sp => new RoutingOnlyExecutor(routing));
        await using var provider = services.BuildServiceProvider();

        var check = provider.GetRequiredService<ControlLoopHealthCheck>();
        var result = await check.CheckHealthAsync(new HealthCheckContext());

        Assert.That(result.Status, Is.EqualTo(HealthStatus.Healthy));
    }

    [Test]
    public async Task CheckHealth_WhenTheHostChangesTheIntervalAfterward_JudgesOnTheIntervalTheCheckWasMadeWith()
    {
        // The check read the host's options object at every probe: an interval changed later (unvalidated, and not the
        // pace of the running loop) moved its window, so a loop that had not completed a cycle for 4 minutes read healthy.
        var time = new FakeTimeProvider(Start);
        var routing = TwoRanges.Routing();
        var options = new ControlLoopOptions { Interval = Interval, Horizon = 5, WarmupBuckets = 1 };
        using var recorder = new LoadRecorder(routing, new LoadRecorderOptions { BucketLength = Interval }, time);
        var nodes = new[] { TwoRanges.N1, TwoRanges.N2 }.Select(n => new NodeInfo(n, new Dictionary<ResourceKind, double> { [ResourceKind.Requests] = 100 })).ToArray();
        using var loop = new ShardingControlLoop(routing, recorder, new LastValueForecaster(), new HotPartitionPlanner(), new RoutingOnlyExecutor(routing), new FixedClusterInventory(nodes, _ => (1000, 10)), options, time);
        var check = new ControlLoopHealthCheck(loop, Microsoft.Extensions.Options.Options.Create(options));
        options.Interval = TimeSpan.FromDays(1);
        time.Advance(Interval * 4);

        var result = await check.CheckHealthAsync(new HealthCheckContext());

        Assert.That(result.Status, Is.EqualTo(HealthStatus.Unhealthy));
    }

    [Test]
    public async Task CheckHealth_DuringAMoveLongerThanThreeIntervalsThatKeepsCopying_IsDegradedNotUnhealthy()
    {
        // Each chunk the move copies takes an interval: after five, no cycle has completed for six intervals, but the
        // move copied a chunk one interval ago. A liveness probe must not restart the process under it.
        var statuses = await ProbeDuringAMove((time, writes) =>
        {
            time.Advance(Interval);
            return writes == 5;
        });

        Assert.That(statuses, Is.EqualTo(new[] { HealthStatus.Degraded }));
    }

    [Test]
    public async Task CheckHealth_DuringAMoveThatMadeNoProgressForThreeIntervals_IsUnhealthy()
    {
        var statuses = await ProbeDuringAMove((time, writes) =>
        {
            if (writes == 1)
            {
                time.Advance(Interval * 4);
            }

            return writes == 1;
        });

        Assert.That(statuses, Is.EqualTo(new[] { HealthStatus.Unhealthy }));
    }

    [TestCase(10, HealthStatus.Degraded)]
    [TestCase(20, HealthStatus.Unhealthy)]
    public async Task CheckHealth_WithOneSecondIntervals_CountsAStallOnlyAfterFifteenSecondsWithoutProgress(int silentSeconds, HealthStatus expected)
    {
        // Three 1 s intervals without a report are too short to tell a stall (the executor's clean-up wait reports every
        // 5 s), so the check waits at least 15 s; a move silent for longer still reads as stalled.
        var statuses = await ProbeDuringAMove(
            (time, writes) =>
            {
                if (writes == 1)
                {
                    time.Advance(TimeSpan.FromSeconds(silentSeconds));
                }

                return writes == 1;
            },
            TimeSpan.FromSeconds(1));

        Assert.That(statuses, Is.EqualTo(new[] { expected }));
    }

    [TestCase(2000)]
    [TestCase(500)]
    public async Task CheckHealth_WhileAMoveWaitsOutAGracePeriodLongerThanThreeIntervals_IsDegradedNotUnhealthy(int intervalMilliseconds)
    {
        // The default 30 s clean-up grace period: at 2 s intervals the wait was silent and read as a stall after 6 s;
        // at 500 ms intervals its reports every 5 s still left three intervals without one, until the check gave
        // progress at least 15 s.
        var folder = Directory.CreateTempSubdirectory("psharding-health-");
        try
        {
            var interval = TimeSpan.FromMilliseconds(intervalMilliseconds);
            var time = new FakeTimeProvider(Start);
            var routing = TwoRanges.Routing();
            var options = new ExecutorOptions { JournalPath = Path.Combine(folder.FullName, "moves.journal"), ClusterId = "test", CleanupGracePeriod = TimeSpan.FromSeconds(30), ThrottleBytesPerSecond = null };
            await using var executor = new JournalledPlanExecutor(routing, TwoRanges.Store(routing, keys: 20, valueBytes: 100), options, time);
            using var probed = new ProbedLoop(time, interval, routing, executor, (2_000, 20));
            var version = routing.Current.Version;
            var cycle = probed.Loop.RunCycleAsync(CancellationToken.None);
            for (var i = 0; i < 1000 && routing.Current.Version == version; i++)
            {
                await Task.Delay(5);
            }

            Assert.That(routing.Current.Version, Is.GreaterThan(version), "the move published and its grace period began");
            var statuses = new List<HealthStatus>();
            for (var second = 1; second <= 40 && !cycle.IsCompleted; second++)
            {
                time.Advance(TimeSpan.FromSeconds(1));
                await Task.WhenAny(cycle, Task.Delay(20));
                statuses.Add(probed.Probe());
            }

            var result = await cycle.WaitAsync(TimeSpan.FromSeconds(30));

            Assert.That(result.Execution?.Completed, Is.EqualTo(1));
            Assert.That(statuses, Does.Contain(HealthStatus.Degraded), "the cycle ran past three intervals");
            Assert.That(statuses, Does.Not.Contain(HealthStatus.Unhealthy));
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Test]
    public async Task CheckHealth_DuringALongMoveOfAHostExecutorThatReportsProgress_IsDegradedNotUnhealthy()
    {
        // A host's own executor (not the journalled one) reporting through the progress overload: its long move is
        // told from a stall the same way.
        var time = new FakeTimeProvider(Start);
        var executor = new ReportingHostExecutor(time);

        var (statuses, afterwards) = await ProbeDuringAHostMove(executor, time);

        Assert.That(statuses, Is.EqualTo(new[] { HealthStatus.Degraded }));
        Assert.That(afterwards, Is.EqualTo(HealthStatus.Healthy), "healthy again once the cycle completed");
        Assert.That(executor.Reported.Select(r => r.BytesCopied), Is.Ordered.Ascending, "the move reported its copy as it went");
    }

    [Test]
    public async Task CheckHealth_DuringALongMoveOfAHostExecutorWithoutTheProgressOverload_IsUnhealthy()
    {
        // An executor that implements only the overload without progress: the interface's default reports nothing, so
        // five silent intervals read as a stall (the documented reason to wire the check to a readiness probe).
        var time = new FakeTimeProvider(Start);
        var executor = new SlowHostExecutor(time);

        var (statuses, afterwards) = await ProbeDuringAHostMove(executor, time);

        Assert.That(statuses, Is.EqualTo(new[] { HealthStatus.Unhealthy }));
        Assert.That(afterwards, Is.EqualTo(HealthStatus.Healthy));
        Assert.That(executor.Reported, Has.Count.EqualTo(5), "the move ran all its steps");
    }

    /// <summary>
    /// Runs one cycle whose plan moves one partition with a host executor that takes five intervals, probing the health
    /// check after the fifth; returns the statuses probed during the move and the status once the cycle completed.
    /// </summary>
    private static async Task<(List<HealthStatus> During, HealthStatus After)> ProbeDuringAHostMove(SlowHostExecutor executor, FakeTimeProvider time)
    {
        using var probed = new ProbedLoop(time, Interval, TwoRanges.Routing(), executor, (20_000, 200));
        var statuses = new List<HealthStatus>();
        executor.AfterStep = step =>
        {
            if (step == executor.Steps)
            {
                statuses.Add(probed.Probe());
            }
        };

        var result = await probed.Loop.RunCycleAsync(CancellationToken.None);

        Assert.That(result.Execution?.Completed, Is.EqualTo(1), "the move ran");
        return (statuses, probed.Probe());
    }

    /// <summary>
    /// Runs one cycle whose plan moves partition "b" (200 keys, copied in chunks of 1 KiB) with the default journalled
    /// executor; before each chunk write, <paramref name="beforeWrite"/> moves the fake clock and says whether to probe.
    /// </summary>
    private static async Task<List<HealthStatus>> ProbeDuringAMove(Func<FakeTimeProvider, int, bool> beforeWrite, TimeSpan? interval = null)
    {
        var folder = Directory.CreateTempSubdirectory("psharding-health-");
        try
        {
            var time = new FakeTimeProvider(Start);
            var routing = TwoRanges.Routing();
            var mover = new HookedDataMover(TwoRanges.Store(routing, keys: 200, valueBytes: 100));
            var options = new ExecutorOptions { JournalPath = Path.Combine(folder.FullName, "moves.journal"), ClusterId = "test", CleanupGracePeriod = TimeSpan.Zero, ThrottleBytesPerSecond = null, ChunkBytes = 1024 };
            await using var executor = new JournalledPlanExecutor(routing, mover, options, time);
            using var probed = new ProbedLoop(time, interval ?? Interval, routing, executor, (20_000, 200));
            var statuses = new List<HealthStatus>();
            var writes = 0;
            mover.BeforeWrite = () =>
            {
                if (beforeWrite(time, ++writes))
                {
                    statuses.Add(probed.Probe());
                }
            };

            var result = await probed.Loop.RunCycleAsync(CancellationToken.None);

            Assert.That(result.Execution?.Completed, Is.EqualTo(1), "the move ran");
            Assert.That(writes, Is.GreaterThanOrEqualTo(5), "the move was copied in several chunks");
            Assert.That(probed.Probe(), Is.EqualTo(HealthStatus.Healthy), "healthy again once the cycle completed");
            return statuses;
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    /// <summary>
    /// A control loop over <see cref="TwoRanges"/> whose next cycle plans a move of "b" (a forecaster that repeats the last
    /// load, a planner that moves the hottest partition to the coolest node, 50 requests recorded on b's keys and one
    /// interval passed), and the health check watching it.
    /// </summary>
    private sealed class ProbedLoop : IDisposable
    {
        private readonly LoadRecorder _recorder;
        private readonly ControlLoopHealthCheck _health;

        public ProbedLoop(FakeTimeProvider time, TimeSpan interval, RoutingTable routing, IPlanExecutor executor, (long SizeBytes, long KeyCount) partitionSize)
        {
            _recorder = new LoadRecorder(routing, new LoadRecorderOptions { BucketLength = interval }, time);
            var options = new ControlLoopOptions { Interval = interval, Horizon = 5, WarmupBuckets = 1 };
            var nodes = new[] { TwoRanges.N1, TwoRanges.N2 }.Select(n => new NodeInfo(n, new Dictionary<ResourceKind, double> { [ResourceKind.Requests] = 100 })).ToArray();
            Loop = new ShardingControlLoop(routing, _recorder, new LastValueForecaster(), new HotPartitionPlanner(), executor, new FixedClusterInventory(nodes, _ => partitionSize), options, time);
            _health = new ControlLoopHealthCheck(Loop, Microsoft.Extensions.Options.Options.Create(options));
            for (var i = 0; i < 50; i++)
            {
                _recorder.Record(Encoding.UTF8.GetBytes("z" + i), RequestKind.Read, 10);
            }

            time.Advance(interval);
        }

        public ShardingControlLoop Loop { get; }

        /// <summary>The health check's status now (synchronous: the probes run inside the executor's callbacks).</summary>
        public HealthStatus Probe() => _health.CheckHealthAsync(new HealthCheckContext()).GetAwaiter().GetResult().Status;

        public void Dispose()
        {
            Loop.Dispose();
            _recorder.Dispose();
        }
    }
}
