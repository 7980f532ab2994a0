using System.Diagnostics.Metrics;
using System.Text;
using Microsoft.Extensions.Diagnostics.HealthChecks;
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

/// <summary>
/// The loop's forecast-error meter across a split, and its health while every executed plan fails: two defects an audit
/// found in session 41.
/// </summary>
[NonParallelizable]
public sealed class ControlLoopAuditTests
{
    private static readonly DateTimeOffset Start = new(2026, 3, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Bucket = TimeSpan.FromMinutes(1);

    [Test]
    public async Task ForecastError_WithPerfectlySteadyLoad_StaysZeroAcrossASplit()
    {
        // Before: the split partition's partial bucket (the part of the minute before the split) was judged against its
        // whole forecast, so every split read as a large forecast error (0.33 here) although the load never changed.
        var (routing, recorder, time, nodes) = Cluster();
        using var _ = recorder;
        var options = ObservingOptions();
        using var loop = ObservingLoop(routing, recorder, nodes, options, time);
        var errors = new List<double>();
        using var listener = ForecastErrors(errors);
        for (var minute = 0; minute < 2; minute++)
        {
            Traffic(recorder, 0, 50);
            time.Advance(Bucket);
            await loop.RunCycleAsync(CancellationToken.None);
        }

        Assert.That(errors, Is.EqualTo(new[] { 0.0 }), "steady load, a last-value forecast: no error");

        // The same steady minute, with "b" split half-way through it.
        Traffic(recorder, 0, 25);
        routing.Apply(new SplitChange(new PartitionId("b"), [ShardKey.FromString("m")], [new PartitionId("b1"), new PartitionId("b2")]));
        Traffic(recorder, 25, 50);
        time.Advance(Bucket);
        await loop.RunCycleAsync(CancellationToken.None);

        Assert.That(errors, Has.Count.EqualTo(2));
        Assert.That(errors[^1], Is.EqualTo(0.0).Within(1e-9));
    }

    [Test]
    public async Task ForecastError_AfterTheWallClockStepsAhead_DoesNotScoreTheBucketsMovedOver()
    {
        // After a step forward of the wall clock the recorder re-anchors its labels and harvests the buckets stepped over
        // as zeros (the first holding only a request counted late): nothing was measured under the label the previous
        // forecast was made for, yet it was scored against it, one error sample of 199 (a forecast of 200, 1 "actual").
        var inner = new FakeTimeProvider(Start);
        var time = new SteppingTimeProvider(inner);
        var (routing, _, _, nodes) = Cluster();
        using var recorder = new LoadRecorder(routing, new LoadRecorderOptions { BucketLength = Bucket }, time);
        var options = ObservingOptions();
        using var loop = ObservingLoop(routing, recorder, nodes, options, time);
        var errors = new List<double>();
        using var listener = ForecastErrors(errors);
        Traffic(recorder, 0, 50);
        time.HoldTimers = true;
        inner.Advance(Bucket);
        await loop.RunCycleAsync(CancellationToken.None);

        // The request path has not yet learnt that the bucket closed: this request is counted late.
        recorder.Record(Encoding.UTF8.GetBytes("key-late"), RequestKind.Read, 10);
        time.ReleaseTimers();
        time.WallOffset = 3 * Bucket;
        Traffic(recorder, 0, 50);
        inner.Advance(Bucket);
        var result = await loop.RunCycleAsync(CancellationToken.None);

        Assert.That(result.Forecast!.Origin, Is.EqualTo(Start.AddMinutes(5)), "the labels were re-anchored by the step");
        Assert.That(errors, Is.Empty, "no bucket was measured under the label the forecast was made for");

        // The next cycle scores the forecast made after the step as usual.
        Traffic(recorder, 0, 50);
        inner.Advance(Bucket);
        await loop.RunCycleAsync(CancellationToken.None);
        Assert.That(errors, Is.EqualTo(new[] { 0.0 }));
    }

    [TestCase(true, HealthStatus.Healthy, TestName = "HealthCheck_AfterTheWallClockStepsAheadAnHour_StaysHealthy")]
    [TestCase(false, HealthStatus.Unhealthy, TestName = "HealthCheck_AfterTheWallClockStepsBackAnHour_StillSeesNoCycleCompleteForFourIntervals")]
    public async Task HealthCheck_AfterAWallClockStep_JudgesTimeOnTheMonotonicClock(bool ahead, HealthStatus expected)
    {
        // The check measured time since the last cycle on the wall clock: an NTP step ahead of three intervals made a loop
        // that had just completed a cycle unhealthy (a liveness probe restarting the process, a move with it), and a step
        // back hid a loop that had stopped completing cycles for as long as the step.
        var inner = new FakeTimeProvider(Start);
        var time = new SteppingTimeProvider(inner);
        var (routing, _, _, nodes) = Cluster();
        using var recorder = new LoadRecorder(routing, new LoadRecorderOptions { BucketLength = Bucket }, time);
        var options = ObservingOptions();
        using var loop = ObservingLoop(routing, recorder, nodes, options, time);
        var health = new ControlLoopHealthCheck(loop, Microsoft.Extensions.Options.Options.Create(options));
        Traffic(recorder, 0, 50);
        inner.Advance(Bucket);
        await loop.RunCycleAsync(CancellationToken.None);

        time.WallOffset = ahead ? TimeSpan.FromHours(1) : -TimeSpan.FromHours(1);
        if (!ahead)
        {
            inner.Advance(4 * Bucket);
        }

        var result = await health.CheckHealthAsync(new HealthCheckContext());
        Assert.That(result.Status, Is.EqualTo(expected), result.Description);
    }

    [Test]
    public async Task ActualPeakUtilization_WhenACycleHarvestsNoNewBucket_IsNotRecordedAgain()
    {
        // A cycle run before the next bucket closed (a host driving the loop on its own schedule, faster than its buckets)
        // recorded the last bucket's peak again: every bucket counted twice or more in the histogram.
        var (routing, recorder, time, nodes) = Cluster();
        using var _ = recorder;
        var options = ObservingOptions();
        using var loop = ObservingLoop(routing, recorder, nodes, options, time);
        var peaks = new List<double>();
        using var listener = Histogram("psharding.loop.actual_peak_utilization", peaks);
        Traffic(recorder, 0, 50);
        time.Advance(Bucket);
        await loop.RunCycleAsync(CancellationToken.None);
        time.Advance(Bucket / 2);
        await loop.RunCycleAsync(CancellationToken.None);

        Assert.That(peaks, Is.EqualTo(new[] { 0.1 }).Within(1e-9), "one bucket closed: n1 and n2 served 100 requests each of their 1,000");
    }

    [Test]
    public async Task HealthCheck_WhenEveryActionOfThreeExecutedPlansFails_IsDegradedUntilAPlanCompletesOne()
    {
        // Before: cycles "succeeded" while every planned action was rolled back (a Redis master down makes the executor
        // refuse every plan), and the check said "Control cycles are completing."
        var (routing, recorder, time, nodes) = Cluster();
        using var _ = recorder;
        var executor = new SwitchableFailingExecutor();
        var options = new ControlLoopOptions { Interval = Bucket, Horizon = 5, WarmupBuckets = 1 };
        using var loop = new ShardingControlLoop(routing, recorder, new LastValueForecaster(), new HotPartitionPlanner(), executor, new FixedClusterInventory(nodes, _ => (1000, 10)), options, time);
        var health = new ControlLoopHealthCheck(loop, Microsoft.Extensions.Options.Options.Create(options));
        for (var minute = 0; minute < 10 && loop.Status.ConsecutiveFailedPlans < 3; minute++)
        {
            Traffic(recorder, 0, 50);
            time.Advance(Bucket);
            await loop.RunCycleAsync(CancellationToken.None);
        }

        var failing = await health.CheckHealthAsync(new HealthCheckContext());
        Assert.Multiple(() =>
        {
            Assert.That(loop.Status.ConsecutiveFailedPlans, Is.EqualTo(3), "the hot partition is planned and fails every cycle");
            Assert.That(loop.Status.ConsecutiveFailures, Is.Zero, "the cycles themselves completed");
            Assert.That(loop.Status.LastPlanError, Does.Contain("target unreachable"));
            Assert.That(failing.Status, Is.EqualTo(HealthStatus.Degraded));
            Assert.That(failing.Description, Does.Contain("the last 3 executed plans completed none of their actions"));
        });

        // The test planner never touches a partition the loop remembers as changed (every one by now), so new pieces of
        // "b" give it something to move once the executor works again.
        executor.Failing = false;
        routing.Apply(new SplitChange(new PartitionId("b"), [ShardKey.FromString("m")], [new PartitionId("b1"), new PartitionId("b2")]));
        var plans = executor.Plans;
        for (var minute = 0; minute < 10 && executor.Plans == plans; minute++)
        {
            Traffic(recorder, 0, 50);
            time.Advance(Bucket);
            await loop.RunCycleAsync(CancellationToken.None);
        }

        var recovered = await health.CheckHealthAsync(new HealthCheckContext());
        Assert.That(executor.Plans, Is.GreaterThan(plans), "a plan ran once the executor worked");
        Assert.That(loop.Status.ConsecutiveFailedPlans, Is.Zero);
        Assert.That(recovered.Status, Is.EqualTo(HealthStatus.Healthy));
    }

    /// <summary>Options of a loop that plans every bucket but executes nothing.</summary>
    private static ControlLoopOptions ObservingOptions() => new() { Interval = Bucket, Horizon = 5, WarmupBuckets = 1, Execute = false };

    /// <summary>A loop with last-value forecasts, the hot-partition planner, routing-only moves and nodes of 1,000 requests.</summary>
    private static ShardingControlLoop ObservingLoop(RoutingTable routing, LoadRecorder recorder, NodeInfo[] nodes, ControlLoopOptions options, TimeProvider time) =>
        new(routing, recorder, new LastValueForecaster(), new HotPartitionPlanner(), new RoutingOnlyExecutor(routing), new FixedClusterInventory(nodes, _ => (1000, 10)), options, time);

    private static (RoutingTable Routing, LoadRecorder Recorder, FakeTimeProvider Time, NodeInfo[] Nodes) Cluster()
    {
        var time = new FakeTimeProvider(Start);
        var routing = new RoutingTable(new RoutingMap(
            [
                new PartitionRoute(new PartitionId("a"), KeyRange.FromStrings("", "h"), new NodeId("n1")),
                new PartitionRoute(new PartitionId("b"), KeyRange.FromStrings("h", "q"), new NodeId("n1")),
                new PartitionRoute(new PartitionId("c"), KeyRange.FromStrings("q", null), new NodeId("n2")),
            ],
            0));
        var recorder = new LoadRecorder(routing, new LoadRecorderOptions { BucketLength = Bucket }, time);
        var nodes = new[] { "n1", "n2", "n3" }.Select(n => new NodeInfo(new NodeId(n), new Dictionary<ResourceKind, double> { [ResourceKind.Requests] = 1000 })).ToArray();
        return (routing, recorder, time, nodes);
    }

    /// <summary>Steady traffic: 100 requests a minute on "b" (keys "key-i" and "mi") and 100 on "c" ("ri", "si").</summary>
    private static void Traffic(LoadRecorder recorder, int from, int to)
    {
        for (var i = from; i < to; i++)
        {
            recorder.Record(Encoding.UTF8.GetBytes("key-" + i), RequestKind.Read, 10);
            recorder.Record(Encoding.UTF8.GetBytes("m" + i), RequestKind.Read, 10);
            recorder.Record(Encoding.UTF8.GetBytes("r" + i), RequestKind.Read, 10);
            recorder.Record(Encoding.UTF8.GetBytes("s" + i), RequestKind.Read, 10);
        }
    }

    private static MeterListener ForecastErrors(List<double> errors) => Histogram("psharding.loop.forecast_error", errors);

    private static MeterListener Histogram(string name, List<double> errors)
    {
        var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == "PredictiveSharding.Hosting" && instrument.Name == name)
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<double>((_, value, _, _) => errors.Add(value));
        listener.Start();
        return listener;
    }
}
