using System.Text;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using PredictiveSharding.Hosting.ControlLoop;
using PredictiveSharding.Hosting.Diagnostics;
using PredictiveSharding.Hosting.Inventory;
using PredictiveSharding.Hosting.Tests.Fakes;
using PredictiveSharding.Keys;
using PredictiveSharding.Routing;
using PredictiveSharding.Telemetry;
using PredictiveSharding.Topology;

namespace PredictiveSharding.Hosting.Tests;

public sealed class ShardingControlLoopTests
{
    private static readonly DateTimeOffset Start = new(2026, 3, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Bucket = TimeSpan.FromMinutes(1);

    private sealed class Rig : IDisposable
    {
        public Rig(int warmup = 3, bool execute = true)
        {
            Routing = new RoutingTable(new RoutingMap(
                [
                    new PartitionRoute(new PartitionId("a"), KeyRange.FromStrings("", "h"), new NodeId("n1")),
                    new PartitionRoute(new PartitionId("b"), KeyRange.FromStrings("h", "q"), new NodeId("n1")),
                    new PartitionRoute(new PartitionId("c"), KeyRange.FromStrings("q", null), new NodeId("n2")),
                ],
                0));
            Recorder = new LoadRecorder(Routing, new LoadRecorderOptions { BucketLength = Bucket }, Time);
            Executor = new RoutingOnlyExecutor(Routing);
            var nodes = new[] { "n1", "n2", "n3" }.Select(n => new NodeInfo(new NodeId(n), new Dictionary<ResourceKind, double> { [ResourceKind.Requests] = 100 })).ToArray();
            Options = new ControlLoopOptions { Interval = Bucket, Horizon = 5, WarmupBuckets = warmup, Execute = execute };
            Loop = new ShardingControlLoop(Routing, Recorder, Forecaster, Planner, Executor, new FixedClusterInventory(nodes, _ => (1000, 10)), Options, Time);
        }

        public FakeTimeProvider Time { get; } = new(Start);

        public RoutingTable Routing { get; }

        public LoadRecorder Recorder { get; }

        public LastValueForecaster Forecaster { get; } = new();

        public HotPartitionPlanner Planner { get; } = new();

        public RoutingOnlyExecutor Executor { get; }

        public ControlLoopOptions Options { get; }

        public ShardingControlLoop Loop { get; }

        /// <summary>Records a minute of traffic (mostly on "b") and moves time to the next bucket.</summary>
        public void Minute(int hot = 50)
        {
            for (var i = 0; i < hot; i++)
            {
                Recorder.Record(Encoding.UTF8.GetBytes("key-" + i), RequestKind.Read, 10);
                Recorder.Record(Encoding.UTF8.GetBytes("m" + i), RequestKind.Write, 10);
            }

            Time.Advance(Bucket);
        }

        public void Dispose()
        {
            Loop.Dispose();
            Recorder.Dispose();
        }
    }

    [Test]
    public async Task RunCycle_DuringWarmup_OnlyObserves()
    {
        using var rig = new Rig(warmup: 5);
        rig.Minute();
        var result = await rig.Loop.RunCycleAsync(CancellationToken.None);
        Assert.That(result.Stage, Is.EqualTo(ControlCycleStage.Observed));
        Assert.That(rig.Forecaster.Fits, Is.Zero);
        Assert.That(rig.Planner.Calls, Is.Zero);
    }

    [Test]
    public async Task RunCycle_AfterWarmup_FitsOnceThenUpdatesForecastsPlansAndExecutes()
    {
        using var rig = new Rig(warmup: 3);
        ControlCycleResult? result = null;
        for (var cycle = 0; cycle < 5; cycle++)
        {
            rig.Minute();
            result = await rig.Loop.RunCycleAsync(CancellationToken.None);
        }

        Assert.That(rig.Forecaster.Fits, Is.EqualTo(1));
        Assert.That(rig.Forecaster.Updates, Is.EqualTo(2));
        Assert.That(result!.Forecast!.Horizon, Is.EqualTo(5));
        Assert.That(rig.Executor.Plans, Is.Not.Empty);
        Assert.That(rig.Routing.Current.Version, Is.GreaterThan(0), "the executed move published a new routing version");
        Assert.That(rig.Loop.Status.LastSuccess, Is.EqualTo(rig.Time.GetUtcNow()));
        var moved = ((PredictiveSharding.Planning.MoveAction)rig.Executor.Plans[0].Actions[0]).Shard;
        Assert.That(rig.Planner.LastRequest!.LastChanged.Keys, Does.Contain(moved), "a moved partition is in cooldown for the next plans");
    }

    [Test]
    public async Task RunCycle_WithExecutionOff_PlansButChangesNothing()
    {
        using var rig = new Rig(warmup: 2, execute: false);
        rig.Minute();
        await rig.Loop.RunCycleAsync(CancellationToken.None);
        rig.Minute();
        var result = await rig.Loop.RunCycleAsync(CancellationToken.None);
        Assert.That(result.Stage, Is.EqualTo(ControlCycleStage.Planned));
        Assert.That(result.Plan!.Actions, Is.Not.Empty);
        Assert.That(rig.Executor.Plans, Is.Empty);
        Assert.That(rig.Routing.Current.Version, Is.Zero);
    }

    [Test]
    public async Task RunCycle_WhenPlannerFails_RecordsFailureAndRecoversNextCycle()
    {
        using var rig = new Rig(warmup: 1);
        var health = new ControlLoopHealthCheck(rig.Loop, Microsoft.Extensions.Options.Options.Create(rig.Options), rig.Time);
        rig.Planner.Fail = true;
        rig.Minute();
        Assert.That(async () => await rig.Loop.RunCycleAsync(CancellationToken.None), Throws.InvalidOperationException.With.Message.Contains("injected"));
        Assert.That(rig.Loop.Status.ConsecutiveFailures, Is.EqualTo(1));
        Assert.That((await health.CheckHealthAsync(new HealthCheckContext())).Status, Is.EqualTo(HealthStatus.Degraded));

        rig.Planner.Fail = false;
        rig.Minute();
        await rig.Loop.RunCycleAsync(CancellationToken.None);
        Assert.That(rig.Loop.Status.ConsecutiveFailures, Is.Zero);
        Assert.That((await health.CheckHealthAsync(new HealthCheckContext())).Status, Is.EqualTo(HealthStatus.Healthy));
    }

    [Test]
    public async Task RunCycle_CalledConcurrently_NeverRunsTwoPlansAtOnce()
    {
        using var rig = new Rig(warmup: 1, execute: false);
        rig.Minute();
        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => rig.Loop.RunCycleAsync(CancellationToken.None))));
        Assert.That(rig.Planner.Calls, Is.EqualTo(8));
        Assert.That(rig.Planner.MaxConcurrent, Is.EqualTo(1));
    }

    [Test]
    public async Task RunCycle_AfterSplit_ChildrenStartWithTheirShareOfTheParentsHistory()
    {
        using var rig = new Rig(warmup: 2, execute: false);
        rig.Minute();
        rig.Minute();
        await rig.Loop.RunCycleAsync(CancellationToken.None);
        rig.Routing.Apply(new SplitChange(new PartitionId("b"), [ShardKey.FromString("key-3")], [new PartitionId("b1"), new PartitionId("b2")]));
        rig.Minute();
        await rig.Loop.RunCycleAsync(CancellationToken.None);

        var history = rig.Forecaster.LastHistory!;
        Assert.That(history.Contains(new PartitionId("b")), Is.False, "the parent left the map");
        var b1 = history.Get(new PartitionId("b1"));
        var b2 = history.Get(new PartitionId("b2"));
        Assert.That(b1.Count, Is.EqualTo(history.Get(new PartitionId("c")).Count), "children get the parent's whole history");
        Assert.That(b1.Buckets[0].Requests + b2.Buckets[0].Requests, Is.EqualTo(100).Within(1e-9), "the parent's load is shared out, not duplicated");
        Assert.That(b1.Buckets[0].Requests, Is.GreaterThan(0).And.LessThan(100));
    }

    [Test]
    public void Options_OutOfRange_ThrowNamingTheSetting()
    {
        Assert.That(() => new ControlLoopOptions { Horizon = 0 }.Validate(), Throws.InstanceOf<ArgumentOutOfRangeException>().With.Message.Contains("Horizon").And.Message.Contains("0"));
        Assert.That(() => new ControlLoopOptions { WarmupBuckets = 10, MaxHistoryBuckets = 5 }.Validate(), Throws.InstanceOf<ArgumentOutOfRangeException>().With.Message.Contains("MaxHistoryBuckets"));
        Assert.That(() => new ControlLoopOptions { Constraints = new() { PlanningQuantile = 1.5 } }.Validate(), Throws.InstanceOf<ArgumentOutOfRangeException>().With.Message.Contains("PlanningQuantile"));
    }
}
