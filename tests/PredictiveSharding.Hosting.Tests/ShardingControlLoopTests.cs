using System.Text;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using PredictiveSharding.Hosting.ControlLoop;
using PredictiveSharding.Executing;
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
        public Rig(int warmup = 3, bool execute = true, Action<ControlLoopOptions>? configure = null, long keysPerPartition = 10, Func<IRoutingTable, IPlanExecutor>? hostExecutor = null)
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
            configure?.Invoke(Options);
            Loop = new ShardingControlLoop(Routing, Recorder, Forecaster, Planner, hostExecutor?.Invoke(Routing) ?? Executor, new FixedClusterInventory(nodes, _ => (1000, keysPerPartition)), Options, Time, Logger);
        }

        public FakeTimeProvider Time { get; } = new(Start);

        public RoutingTable Routing { get; }

        public LoadRecorder Recorder { get; }

        public LastValueForecaster Forecaster { get; } = new();

        public HotPartitionPlanner Planner { get; } = new();

        public CapturingLogger<ShardingControlLoop> Logger { get; } = new();

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

        /// <summary>Runs <paramref name="cycles"/> cycles, each after a minute of traffic; returns the last cycle's result.</summary>
        public async Task<ControlCycleResult> RunCyclesAsync(int cycles)
        {
            ControlCycleResult? result = null;
            for (var cycle = 0; cycle < cycles; cycle++)
            {
                Minute();
                result = await Loop.RunCycleAsync(CancellationToken.None);
            }

            return result!;
        }

        public void Dispose()
        {
            Loop.Dispose();
            Recorder.Dispose();
        }
    }

    [Test]
    public async Task RunCycle_MoveRolledBack_LeavesThePartitionOutOfCooldown()
    {
        // A rolled-back move changed nothing; a cooldown would only keep the planner from relieving the same hot node.
        using var rig = new Rig(warmup: 3);
        rig.Executor.RollBackMoves = true;
        await rig.RunCyclesAsync(4);
        var move = rig.Executor.Plans[0].Actions.OfType<PredictiveSharding.Planning.MoveAction>().First();

        await rig.RunCyclesAsync(1);

        Assert.That(rig.Routing.Current.Get(move.Shard).Node, Is.EqualTo(move.From), "the fake executor rolled the move back");
        Assert.That(rig.Planner.LastRequest!.LastChanged.Keys, Does.Not.Contain(move.Shard));
        Assert.That(rig.Executor.Plans[^1].Actions.OfType<PredictiveSharding.Planning.MoveAction>().Select(m => m.Shard), Does.Contain(move.Shard), "the next plan tries the move again");
    }

    [Test]
    public async Task RunCycle_WhenTheExecutorThrowsAfterAMoveWasPublished_StillPutsThePartitionInCooldown()
    {
        // The journalled executor rethrows a failed journal write or store call of one action after the plan's others
        // have run and published: the cycle fails, but a partition that did move must not be planned again at once.
        using var rig = new Rig(warmup: 1);
        rig.Executor.ThrowAfterMoving = new IOException("journal write failed (injected by the test)");
        rig.Minute();
        Assert.That(async () => await rig.Loop.RunCycleAsync(CancellationToken.None), Throws.InstanceOf<IOException>());
        var move = rig.Executor.Plans.Single().Actions.OfType<PredictiveSharding.Planning.MoveAction>().Single();
        rig.Executor.ThrowAfterMoving = null;

        await rig.RunCyclesAsync(1);

        Assert.That(rig.Planner.LastRequest!.LastChanged.Keys, Does.Contain(move.Shard));
        Assert.That(rig.Routing.Current.Get(move.Shard).Node, Is.EqualTo(move.To), "published before the executor threw, and not moved again by the next plan");
    }

    [Test]
    public async Task RunCycle_WhenTheExecutorThrowsWithTheSummaryOfTheActionsThatEnded_MetersAndLogsTheirBytesAndCountsThePlan()
    {
        // The journalled executor rethrows an action's failed journal write after the plan's other actions ended, with the
        // summary of those: a move that completed is in force and its bytes were moved, but nothing metered or logged them.
        using var rig = new Rig(warmup: 1);
        using var bytesMoved = new MetricCollector<long>(null, "PredictiveSharding.Hosting", "psharding.loop.bytes_moved");
        var failure = new IOException("journal write failed (injected by the test)");
        failure.Data[PlanExecutionSummary.ExceptionDataKey] = new PlanExecutionSummary(1, 0, 4321, ["Split of 'b' did not end: the executor stopped on IOException"]);
        rig.Executor.ThrowAfterMoving = failure;
        rig.Minute();

        Assert.That(async () => await rig.Loop.RunCycleAsync(CancellationToken.None), Throws.InstanceOf<IOException>());

        Assert.That(bytesMoved.GetMeasurementSnapshot().EvaluateAsCounter(), Is.EqualTo(4321));
        Assert.That(rig.Logger.Records.Single(r => r.EventId == 1004).Message, Does.Contain("1 actions completed").And.Contain("4321 bytes moved"));
        Assert.That(rig.Logger.Records.Single(r => r.EventId == 1005).Message, Does.Contain("Split of 'b' did not end"));
        Assert.That(rig.Loop.Status.ConsecutiveFailures, Is.EqualTo(1), "the cycle failed");
        Assert.That(rig.Loop.Status.ConsecutiveFailedPlans, Is.Zero, "the plan completed an action");
    }

    [Test]
    public async Task RunCycle_WhenTheCallerCancelsDuringThePlan_MetersWhatTheEndedActionsDidButCountsNoFailedPlan()
    {
        // A host stopping cancels the plan: what its actions did is metered and logged as after a failure, but a plan the
        // caller stopped is not one the executor failed, so it does not count towards ConsecutiveFailedPlans.
        using var rig = new Rig(warmup: 1);
        using var bytesMoved = new MetricCollector<long>(null, "PredictiveSharding.Hosting", "psharding.loop.bytes_moved");
        using var stopping = new CancellationTokenSource();
        var cancelled = new OperationCanceledException("Plan p1 was cancelled (injected by the test)", null, stopping.Token);
        cancelled.Data[PlanExecutionSummary.ExceptionDataKey] = new PlanExecutionSummary(0, 0, 0, ["Move of 'b' (n1 -> n3) ended Skipped in state Preparing: the plan was cancelled"]);
        rig.Executor.ThrowAfterMoving = cancelled;
        rig.Executor.CancelBeforeThrowing = stopping;
        rig.Minute();

        Assert.That(async () => await rig.Loop.RunCycleAsync(stopping.Token), Throws.InstanceOf<OperationCanceledException>());

        Assert.That(rig.Logger.Records.Count(r => r.EventId == 1004), Is.EqualTo(1), "the plan's end is logged");
        Assert.That(bytesMoved.GetMeasurementSnapshot(), Has.Count.EqualTo(1));
        Assert.That(rig.Loop.Status.ConsecutiveFailedPlans, Is.Zero, "a plan the caller stopped is not a failed plan");
        Assert.That(rig.Loop.Status.ConsecutiveFailures, Is.Zero, "nor a failed cycle");
    }

    [Test]
    public void RunCycle_WhenAHostsOwnExecutorThrowsWithTheSummaryUnderTheCoresKey_MetersAndLogsWhatTheEndedActionsDid()
    {
        // The key the loop read the summary under was internal to Hosting: an executor of the host's own could not hand it
        // what the plan's ended actions did, so a move that completed before the throw went unmetered and unlogged.
        using var rig = new Rig(warmup: 1, hostExecutor: routing => new PartialSummaryHostExecutor(routing, bytesPerMove: 4321));
        using var bytesMoved = new MetricCollector<long>(null, "PredictiveSharding.Hosting", "psharding.loop.bytes_moved");
        rig.Minute();

        Assert.That(async () => await rig.Loop.RunCycleAsync(CancellationToken.None), Throws.InstanceOf<IOException>());

        Assert.That(bytesMoved.GetMeasurementSnapshot().EvaluateAsCounter(), Is.EqualTo(4321));
        Assert.That(rig.Logger.Records.Single(r => r.EventId == 1004).Message, Does.Contain("1 actions completed").And.Contain("4321 bytes moved"));
        Assert.That(rig.Logger.Records.Single(r => r.EventId == 1005).Message, Does.Contain("the host's last step did not end"));
        Assert.That(rig.Loop.Status.ConsecutiveFailures, Is.EqualTo(1), "the cycle still fails with the executor's exception");
    }

    [Test]
    public async Task RunCycle_WhenThePlansMovesTookEffectWithTheirCleanupPending_CountsThePlanAsProgress()
    {
        // A move whose new owner serves the range, its old copy left for the next recovery to delete, happened: the plan
        // counted as one that completed none of its actions, and three such plans read as an executor achieving nothing.
        using var rig = new Rig(warmup: 1);
        rig.Executor.RollBackMoves = true;
        await rig.RunCyclesAsync(1);
        Assert.That(rig.Loop.Status.ConsecutiveFailedPlans, Is.EqualTo(1), "a plan whose moves were all rolled back");
        rig.Executor.RollBackMoves = false;
        rig.Executor.CleanupPending = true;

        await rig.RunCyclesAsync(1);

        Assert.That(rig.Executor.Plans, Has.Count.EqualTo(2));
        Assert.That(rig.Loop.Status.ConsecutiveFailedPlans, Is.Zero);
        Assert.That(rig.Loop.Status.LastPlanError, Is.Null);
        Assert.That(rig.Logger.Records.Count(r => r.EventId == 1005 && r.Message.Contains("CleanupPending", StringComparison.Ordinal)), Is.EqualTo(1), "the pending clean-up is still logged");
    }

    [Test]
    public async Task RunCycle_WhenTheHostChangesItsOptionsAfterCreatingTheLoop_RunsOnTheValidatedCopy()
    {
        // The loop kept the host's object and read it every cycle: a later change (here one out of range, and a threshold
        // changed in the constraints' dictionary) reached the running loop without validation.
        var thresholds = new Dictionary<ResourceKind, double> { [ResourceKind.Requests] = 0.8 };
        using var rig = new Rig(warmup: 1, configure: o => o.Constraints = new PredictiveSharding.Planning.PlanningConstraints { UtilizationThresholds = thresholds });
        rig.Options.Execute = false;
        rig.Options.Horizon = -1;
        rig.Options.Constraints = null!;
        rig.Options.ForecastGuard = null!;
        thresholds[ResourceKind.Requests] = 5;

        var result = await rig.RunCyclesAsync(1);

        Assert.That(result.Stage, Is.EqualTo(ControlCycleStage.Executed), "Execute was true when the loop was made");
        Assert.That(rig.Executor.Plans, Has.Count.EqualTo(1));
        Assert.That(rig.Planner.LastRequest!.Forecast.Horizon, Is.EqualTo(5));
        Assert.That(rig.Planner.LastRequest.Constraints.UtilizationThresholds[ResourceKind.Requests], Is.EqualTo(0.8));
    }

    [TestCase("planner", "HotPartitionPlanner.PlanAsync")]
    [TestCase("executor", "RoutingOnlyExecutor.ExecuteAsync")]
    public void RunCycle_WhenAHostComponentReturnsNull_FailsTheCycleNamingIt(string component, string call)
    {
        // A host's own planner or executor (a seam) that returns null failed the cycle with a NullReferenceException from
        // the loop's own code, which named neither the component nor the call.
        using var rig = new Rig(warmup: 1);
        rig.Planner.ReturnNull = component == "planner";
        rig.Executor.ReturnNull = component == "executor";
        rig.Minute();

        Assert.That(async () => await rig.Loop.RunCycleAsync(CancellationToken.None), Throws.InvalidOperationException.With.Message.Contains(call + " returned null"));
        Assert.That(rig.Loop.Status.ConsecutiveFailures, Is.EqualTo(1));
    }

    [TestCase("errors")]
    [TestCase("actions")]
    public void RunCycle_WhenAHostExecutorsSummaryHasANullList_FailsTheCycleNamingTheExecutorAndTheList(string list)
    {
        // A host executor's summary built with a null list (a record takes it) failed the cycle with a
        // NullReferenceException from the loop's own code, naming neither the executor nor what was missing.
        var summary = list == "errors"
            ? new PlanExecutionSummary(1, 0, 0, null!)
            : new PlanExecutionSummary(1, 0, 0, []) { Actions = null! };
        using var rig = new Rig(warmup: 1, hostExecutor: _ => new FixedSummaryExecutor(summary));
        rig.Minute();

        Assert.That(
            async () => await rig.Loop.RunCycleAsync(CancellationToken.None),
            Throws.InvalidOperationException.With.Message.Contains("FixedSummaryExecutor.ExecuteAsync").And.Message.Contains(list == "errors" ? "Errors" : "Actions"));
        Assert.That(rig.Loop.Status.ConsecutiveFailures, Is.EqualTo(1));
    }

    [Test]
    public void RunCycle_WhenAHostExecutorThrowsWithAPartialSummaryWhoseErrorsAreNull_FailsWithTheExecutorsOwnException()
    {
        // Reading such a summary threw a NullReferenceException in the catch, which replaced the executor's own error.
        var executor = (PartialSummaryHostExecutor?)null;
        using var rig = new Rig(warmup: 1, hostExecutor: routing => executor = new PartialSummaryHostExecutor(routing, bytesPerMove: 10) { NullErrors = true });
        rig.Minute();

        Assert.That(async () => await rig.Loop.RunCycleAsync(CancellationToken.None), Throws.InstanceOf<IOException>().With.Message.Contains("injected by the test"));
        Assert.That(rig.Loop.Status.LastError, Is.SameAs(executor!.Failure));
    }

    [Test]
    public async Task RunCycle_WhenAHostExecutorsSummaryReportsOnlySkippedActionsAndNoErrors_CountsAFailedPlanWithTheFirstReason()
    {
        // A host executor that skips every action (refused them all before starting any) and reports them per action,
        // leaving Errors empty: the loop judged the plan on RolledBack and Errors alone, so it did not count as one in
        // which nothing took effect, and the health check never saw an executor that achieves nothing.
        using var rig = new Rig(warmup: 1, hostExecutor: _ => new SkippingExecutor());

        await rig.RunCyclesAsync(2);

        Assert.That(rig.Loop.Status.ConsecutiveFailedPlans, Is.EqualTo(2));
        Assert.That(rig.Loop.Status.LastPlanError, Does.Contain("the host's store is read-only"));
    }

    private sealed class SkippingExecutor : IPlanExecutor
    {
        public Task<PlanExecutionSummary> ExecuteAsync(PredictiveSharding.Planning.ShardingPlan plan, CancellationToken cancellationToken) =>
            Task.FromResult(new PlanExecutionSummary(0, 0, 0, [])
            {
                Actions = [.. plan.Actions.Select(a => new PlanActionResult(a, PlanActionStatus.Skipped, "not started: the host's store is read-only"))],
            });
    }

    private sealed class FixedSummaryExecutor(PlanExecutionSummary summary) : IPlanExecutor
    {
        public Task<PlanExecutionSummary> ExecuteAsync(PredictiveSharding.Planning.ShardingPlan plan, CancellationToken cancellationToken) => Task.FromResult(summary);
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

    [TestCase(true, 1007, "executing the best placement found")]
    [TestCase(false, 1009, "not executed")]
    public async Task RunCycle_WithAnInfeasiblePlan_WarnsOnceSayingWhetherItIsExecuted(bool execute, int eventId, string says)
    {
        using var rig = new Rig(warmup: 2, execute: execute);
        rig.Planner.Shortfall = 0.25;
        rig.Minute();
        await rig.Loop.RunCycleAsync(CancellationToken.None);
        rig.Minute();
        var result = await rig.Loop.RunCycleAsync(CancellationToken.None);

        Assert.That(result.Plan!.Feasible, Is.False);
        var warnings = rig.Logger.Records.Where(r => r.Level == LogLevel.Warning).ToList();
        Assert.That(warnings, Has.Count.EqualTo(1), string.Join(" | ", warnings.Select(w => w.Message)));
        Assert.That(warnings[0].EventId, Is.EqualTo(eventId));
        Assert.That(warnings[0].Message, Does.Contain(says).And.Contain("25.0"));
    }

    [Test]
    public async Task RunCycle_WhenThePlanHasWarnings_LogsThemInOneRecordBesideThePlan()
    {
        using var rig = new Rig(warmup: 2);
        rig.Planner.Warnings = ["Partition 'p1' would be split but changed within the cooldown", "Still predicted after the plan: node n2"];
        await rig.RunCyclesAsync(2);

        var notes = rig.Logger.Records.Single(r => r.EventId == 1010);
        Assert.That(notes.Level, Is.EqualTo(LogLevel.Information));
        Assert.That(notes.Message, Is.EqualTo("Plan notes (2): Partition 'p1' would be split but changed within the cooldown | Still predicted after the plan: node n2"));
    }

    [Test]
    public async Task RunCycle_WhenAnActionDidNotComplete_WarnsWithoutCallingItARollback()
    {
        using var rig = new Rig(warmup: 2);
        rig.Executor.Errors = ["Move of 'p1' (n1 -> n2) ended Skipped in state Planned: an earlier action on an overlapping range did not complete"];
        await rig.RunCyclesAsync(2);

        var record = rig.Logger.Records.Single(r => r.EventId == 1005);
        Assert.That(record.Level, Is.EqualTo(LogLevel.Warning));
        Assert.That(record.Message, Does.StartWith("Action did not complete: Move of 'p1'").And.Not.Contain("rolled back"));
    }

    [Test]
    public async Task RunCycle_WhenThePlanHasNoWarnings_LogsNoNotes()
    {
        using var rig = new Rig(warmup: 2);
        await rig.RunCyclesAsync(2);

        Assert.That(rig.Logger.Records.Any(r => r.EventId == 1003), Is.True, "a plan was made");
        Assert.That(rig.Logger.Records.Any(r => r.EventId == 1010), Is.False);
    }

    [Test]
    public async Task RunCycle_WhenAPlanIsExecuted_LogsTheBytesMovedBesideTheBytesPlanned()
    {
        using var rig = new Rig(warmup: 2);
        rig.Minute();
        await rig.Loop.RunCycleAsync(CancellationToken.None);
        rig.Minute();
        var result = await rig.Loop.RunCycleAsync(CancellationToken.None);

        Assert.That(result.Stage, Is.EqualTo(ControlCycleStage.Executed));
        var executed = rig.Logger.Records.Single(r => r.EventId == 1004);
        Assert.That(result.Plan!.MovedBytes, Is.Positive);
        Assert.That(executed.Message, Does.Contain($"{result.Execution!.BytesMoved} bytes moved ({result.Plan.MovedBytes} planned)"));
    }

    [Test]
    public async Task RunCycle_WhenPlannerFails_RecordsFailureAndRecoversNextCycle()
    {
        using var rig = new Rig(warmup: 1);
        var health = new ControlLoopHealthCheck(rig.Loop, Microsoft.Extensions.Options.Options.Create(rig.Options));
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
    public async Task RunCycle_WhenAStageCancelsItselfWithoutTheCallersToken_RecordsAFailure()
    {
        // A stage's own timeout (an HttpClient timeout in an inventory or mover, a planner's deadline) surfaces as an
        // OperationCanceledException although nobody cancelled the cycle: that is a failed cycle, not a shutdown.
        using var rig = new Rig(warmup: 1);
        var health = new ControlLoopHealthCheck(rig.Loop, Microsoft.Extensions.Options.Options.Create(rig.Options));
        var timeout = new TaskCanceledException("planner deadline (injected by the test)");
        rig.Planner.FailOnceWith = timeout;
        rig.Minute();
        Assert.That(async () => await rig.Loop.RunCycleAsync(CancellationToken.None), Throws.InstanceOf<OperationCanceledException>());
        Assert.Multiple(async () =>
        {
            Assert.That(rig.Loop.Status.ConsecutiveFailures, Is.EqualTo(1));
            Assert.That(rig.Loop.Status.LastError, Is.SameAs(timeout));
            Assert.That((await health.CheckHealthAsync(new HealthCheckContext())).Status, Is.EqualTo(HealthStatus.Degraded));
            Assert.That(rig.Logger.Records.Count(r => r.EventId == 1006), Is.EqualTo(1), "the failure is logged");
        });
    }

    [Test]
    public async Task RunCycle_CancelledByTheCaller_IsNotAFailure()
    {
        using var rig = new Rig(warmup: 1);
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        rig.Minute();
        Assert.That(async () => await rig.Loop.RunCycleAsync(cts.Token), Throws.InstanceOf<OperationCanceledException>());
        Assert.That(rig.Loop.Status.ConsecutiveFailures, Is.Zero);
        Assert.That(rig.Loop.Status.LastFailure, Is.Null);
        await rig.Loop.RunCycleAsync(CancellationToken.None);
        Assert.That(rig.Loop.Status.LastSuccess, Is.Not.Null, "the loop is usable after a cancelled call");
    }

    [Test]
    public async Task HealthCheck_FirstAskedLongAfterTheLoopStartedWithoutASuccessfulCycle_IsUnhealthy()
    {
        // The check is a singleton made on the first probe, which may come long after the loop started. A loop whose
        // first cycle never completed (stuck in a mover, say) has gone without a success since it started, not since
        // the probe.
        using var rig = new Rig();
        rig.Time.Advance(rig.Options.Interval * 10);
        var health = new ControlLoopHealthCheck(rig.Loop, Microsoft.Extensions.Options.Options.Create(rig.Options));
        Assert.That((await health.CheckHealthAsync(new HealthCheckContext())).Status, Is.EqualTo(HealthStatus.Unhealthy));
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
    public async Task Dispose_DuringACycle_LetsItFinishAndRefusesTheCallerWaitingBehindIt()
    {
        using var rig = new Rig(warmup: 1, execute: false);
        rig.Minute();
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        rig.Planner.Gate = async _ =>
        {
            entered.TrySetResult();
            await release.Task;
        };
        var running = rig.Loop.RunCycleAsync(CancellationToken.None);
        await entered.Task;
        var waiting = rig.Loop.RunCycleAsync(CancellationToken.None);

        rig.Loop.Dispose();
        release.SetResult();

        // Bounded waits only so that a regression fails instead of hanging the run; nothing here measures speed.
        var first = await running.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.That(first.Plan, Is.Not.Null, "the running cycle finishes its plan");
        Assert.ThrowsAsync<ObjectDisposedException>(() => waiting.WaitAsync(TimeSpan.FromSeconds(60)), "the caller behind it is refused, not left waiting");
        Assert.ThrowsAsync<ObjectDisposedException>(() => rig.Loop.RunCycleAsync(CancellationToken.None));
        Assert.That(rig.Planner.Calls, Is.EqualTo(1));
        Assert.That(rig.Loop.Status.ConsecutiveFailures, Is.Zero, "the refused caller ran no cycle, so none failed");
        Assert.That(rig.Logger.Records.Where(r => r.Level == LogLevel.Error), Is.Empty, "no 'control cycle failed' error at shutdown");
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
    public async Task RunCycle_WhenAnotherWriterSplitsBetweenTheLoopsMapReadAndItsHarvest_LaterCyclesStillSucceed()
    {
        // The host splits an idle partition ("b" takes no requests this minute) just after the cycle read the routing
        // map but before the recorder harvested: the harvest is of the new map (the children, not the idle parent), the
        // cycle's map the old one. The history must not end up with a hole that fails every later cycle.
        using var rig = new Rig(warmup: 1, execute: false);
        var stale = new StaleOnceRoutingTable(rig.Routing);
        var nodes = new[] { "n1", "n2", "n3" }.Select(n => new NodeInfo(new NodeId(n), new Dictionary<ResourceKind, double> { [ResourceKind.Requests] = 100 })).ToArray();
        using var loop = new ShardingControlLoop(stale, rig.Recorder, rig.Forecaster, rig.Planner, rig.Executor, new FixedClusterInventory(nodes, _ => (1000, 10)), rig.Options, rig.Time);
        rig.Minute();
        await loop.RunCycleAsync(CancellationToken.None);

        rig.Recorder.Record("a"u8, RequestKind.Read, 10);
        rig.Time.Advance(Bucket);
        stale.StaleNext = rig.Routing.Current;
        rig.Routing.Apply(new SplitChange(new PartitionId("b"), [ShardKey.FromString("key-3")], [new PartitionId("b1"), new PartitionId("b2")]));
        await loop.RunCycleAsync(CancellationToken.None);

        for (var cycle = 0; cycle < 3; cycle++)
        {
            rig.Minute();
            Assert.That(async () => await loop.RunCycleAsync(CancellationToken.None), Throws.Nothing, $"cycle {cycle} after the split");
        }

        var history = rig.Forecaster.LastHistory!;
        Assert.That(history.Contains(new PartitionId("b1")) && history.Contains(new PartitionId("b2")), Is.True);
        Assert.That(history.Get(new PartitionId("b1")).End, Is.EqualTo(history.Get(new PartitionId("a")).End), "the children's history reaches the last harvest");
    }

    [TestCase(true, 100.0)]
    [TestCase(false, 50.0)]
    public async Task RunCycle_WhenTheForecastFallsBelowTheLastLoad_PlansAtLeastTheLastLoad(bool floor, double expected)
    {
        // "b" serves 100 requests a minute; the forecaster expects half. With the last-load floor (opt-in) the planner
        // is handed at least 100 at every step and quantile; without it, the forecaster's 50 as the median.
        using var rig = new Rig(warmup: 2, execute: false, configure: o => o.ForecastGuard.FloorAtLastLoad = floor);
        rig.Forecaster.Scale = 0.5;
        ControlCycleResult? result = null;
        for (var cycle = 0; cycle < 3; cycle++)
        {
            rig.Minute();
            result = await rig.Loop.RunCycleAsync(CancellationToken.None);
        }

        var planned = rig.Planner.LastRequest!.Forecast;
        var b = new PartitionId("b");
        Assert.Multiple(() =>
        {
            Assert.That(Enumerable.Range(0, planned.Horizon).Select(s => planned.ValueAt(b, ResourceKind.Requests, s, 0.5)), Is.All.EqualTo(expected));
            Assert.That(planned.ValueAt(b, ResourceKind.Requests, 0, 0.1), Is.EqualTo(floor ? 100 : 40), "every quantile is floored, not only the median");
            Assert.That(result!.Forecast, Is.SameAs(planned), "the cycle reports the forecast it planned on");
        });
    }

    [TestCase(2, 0.3, 100.0)]
    [TestCase(null, 0.3, 30.0)]
    [TestCase(2, 0.5, 50.0)]
    public async Task RunCycle_WithLevelShiftSteps_PlansAtALevelHeldFarAboveTheForecast(int? steps, double scale, double expected)
    {
        // "b" has served 100 requests a minute for every cycle; the forecaster expects 30 (upper decile 36). With the
        // level-shift floor over two steps (opt-in) 100 is over twice 36, so the planner gets 100; a forecast of 50
        // (upper decile 60) is within the factor of 2 and stands.
        using var rig = new Rig(warmup: 2, execute: false, configure: o => o.ForecastGuard = new() { BoundBursts = false, LevelShiftSteps = steps });
        rig.Forecaster.Scale = scale;
        for (var cycle = 0; cycle < 3; cycle++)
        {
            rig.Minute();
            await rig.Loop.RunCycleAsync(CancellationToken.None);
        }

        var planned = rig.Planner.LastRequest!.Forecast;
        Assert.That(planned.ValueAt(new PartitionId("b"), ResourceKind.Requests, 0, 0.5), Is.EqualTo(expected).Within(1e-9));
    }

    [TestCase(true, 60.0)]
    [TestCase(false, 24.0)]
    public async Task RunCycle_AfterAPartitionGrewThreefold_BoundsTheTopQuantileByThatGrowth(bool bound, double expected)
    {
        // "b" goes 20 → 60 → 20 requests a minute on a node of 100: a 3× step from 20% of a node. At 20 again, its q0.99
        // (the forecaster's 20 × 1.2) is raised to 20 × 3 with the burst bound, and stays 24 without it.
        using var rig = new Rig(warmup: 1, execute: false, configure: o => o.ForecastGuard = new() { FloorAtLastLoad = false, BoundBursts = bound });
        rig.Forecaster.Quantiles = [0.5, 0.99];
        foreach (var hot in new[] { 10, 30, 10 })
        {
            rig.Minute(hot);
            await rig.Loop.RunCycleAsync(CancellationToken.None);
        }

        var planned = rig.Planner.LastRequest!.Forecast;
        var b = new PartitionId("b");
        Assert.Multiple(() =>
        {
            Assert.That(planned.ValueAt(b, ResourceKind.Requests, 0, 0.99), Is.EqualTo(expected).Within(1e-9));
            Assert.That(planned.ValueAt(b, ResourceKind.Requests, 0, 0.5), Is.EqualTo(20).Within(1e-9), "the median stays the forecaster's");
        });
    }

    [Test]
    public async Task RunCycle_WhenTheHostSplitsAPartitionRightAfterItSurged_StillLearnsTheSurge()
    {
        // "b" goes 20 → 60 requests a minute on a node of 100 (3× from 20% of a node), and the host's own load-based split
        // cuts it into b1 (key-0..key-2) and b2 before the loop looks again: the surge is in b's last bucket, which the
        // children only inherit. Regression: inherited buckets teach no growth and b was forgotten unobserved, so the
        // children's q0.99 stayed the forecaster's (last × 1.2); it must carry the 3× the cluster has shown.
        using var rig = new Rig(warmup: 1, execute: false, configure: o => o.ForecastGuard = new() { FloorAtLastLoad = false, BoundBursts = true });
        rig.Forecaster.Quantiles = [0.5, 0.99];
        rig.Minute(10);
        await rig.Loop.RunCycleAsync(CancellationToken.None);
        rig.Minute(30);
        rig.Routing.Apply(new SplitChange(new PartitionId("b"), [ShardKey.FromString("key-3")], [new PartitionId("b1"), new PartitionId("b2")]));
        await rig.Loop.RunCycleAsync(CancellationToken.None);
        rig.Minute(10);
        await rig.Loop.RunCycleAsync(CancellationToken.None);

        var planned = rig.Planner.LastRequest!.Forecast;
        Assert.Multiple(() =>
        {
            Assert.That(planned.ValueAt(new PartitionId("b1"), ResourceKind.Requests, 0, 0.99), Is.EqualTo(3 * 3).Within(1e-9), "b1 served 3 requests: key-0, key-1, key-2");
            Assert.That(planned.ValueAt(new PartitionId("b2"), ResourceKind.Requests, 0, 0.99), Is.EqualTo(17 * 3).Within(1e-9), "b2 served the other 17");
            Assert.That(planned.ValueAt(new PartitionId("b2"), ResourceKind.Requests, 0, 0.5), Is.EqualTo(17).Within(1e-9), "the median stays the forecaster's");
        });
    }

    [TestCase(true, 5.0)]
    [TestCase(false, 1.2)]
    public async Task RunCycle_WhenTheHostCutARangeIntoPiecesTooSmallToCount_LearnsItsSurgeFromTheInitialRange(bool fromInitialRanges, double factor)
    {
        // "b" serves 8 requests a minute (8% of a node of 100); the host cuts it into b1 [h, key-3), b2a [key-3, m2) and
        // b2b [m2, q), which serve 3, 3 and 2 (below the 5% a growth must start from). Then every key of b surges: the
        // pieces serve 13, 19 and 8. No piece's growth counts, but b's initial range went 8 → 40, five times from 8%, so
        // the pieces' q0.99 must carry five times their load; without the initial ranges the forecaster's (last × 1.2)
        // stands, as it did before session 39.
        using var rig = new Rig(warmup: 1, execute: false, configure: o =>
        {
            o.ForecastGuard = new() { FloorAtLastLoad = false, BoundBursts = true };
            o.GrowthFromInitialRanges = fromInitialRanges;
        });
        rig.Forecaster.Quantiles = [0.5, 0.99];
        rig.Minute(4);
        await rig.Loop.RunCycleAsync(CancellationToken.None);
        rig.Routing.Apply(new SplitChange(new PartitionId("b"), [ShardKey.FromString("key-3")], [new PartitionId("b1"), new PartitionId("b2")]));
        rig.Routing.Apply(new SplitChange(new PartitionId("b2"), [ShardKey.FromString("m2")], [new PartitionId("b2a"), new PartitionId("b2b")]));
        rig.Minute(4);
        await rig.Loop.RunCycleAsync(CancellationToken.None);
        rig.Minute(20);
        await rig.Loop.RunCycleAsync(CancellationToken.None);

        var planned = rig.Planner.LastRequest!.Forecast;
        Assert.Multiple(() =>
        {
            foreach (var (piece, served) in new[] { ("b1", 13.0), ("b2a", 19.0), ("b2b", 8.0) })
            {
                Assert.That(planned.ValueAt(new PartitionId(piece), ResourceKind.Requests, 0, 0.99), Is.EqualTo(served * factor).Within(1e-9), piece);
                Assert.That(planned.ValueAt(new PartitionId(piece), ResourceKind.Requests, 0, 0.5), Is.EqualTo(served).Within(1e-9), "the median stays the forecaster's");
            }
        });
    }

    [TestCase(10L, true, 60.0)]
    [TestCase(1L, true, 60.0)]
    [TestCase(1L, false, 24.0)]
    [TestCase(10L, false, 60.0)]
    [TestCase(0L, false, 60.0)]
    public async Task RunCycle_WithoutSingleKeyBounds_LeavesOnlyOneKeyPartitionsUnbounded(long keys, bool boundSingleKeys, double expected)
    {
        // As above, with the inventory's key count per partition: the loop hands it to the guard, which leaves a partition of
        // one key at the forecaster's q0.99 when told to; a count of 0 (a host that does not count keys) is not one key.
        using var rig = new Rig(warmup: 1, execute: false, configure: o => o.ForecastGuard = new() { FloorAtLastLoad = false, BoundSingleKeyBursts = boundSingleKeys }, keysPerPartition: keys);
        rig.Forecaster.Quantiles = [0.5, 0.99];
        foreach (var hot in new[] { 10, 30, 10 })
        {
            rig.Minute(hot);
            await rig.Loop.RunCycleAsync(CancellationToken.None);
        }

        var planned = rig.Planner.LastRequest!.Forecast;
        Assert.That(planned.ValueAt(new PartitionId("b"), ResourceKind.Requests, 0, 0.99), Is.EqualTo(expected).Within(1e-9));
    }

    [TestCase(false, -1.0, true)]
    [TestCase(false, 0.9, false)]
    [TestCase(true, 0.9, true)]
    public async Task RunCycle_BoundsAOneKeyPartitionOnlyWhileItMovesWithAKeyOrderNeighbour(bool withNeighbour, double correlation, bool bounded)
    {
        // Every partition holds one key. "b" (keys h–q) follows a course of its own, unless it rises and falls with "a"
        // (keys below h); "c" (q on) has one more of its own. The loop hands the guard each partition's key range from the
        // inventory, so the guard can find b's neighbours and compare twelve minutes of changes.
        using var rig = new Rig(warmup: 1, execute: false, configure: o => o.ForecastGuard = new() { FloorAtLastLoad = false, SingleKeyNeighbourCorrelation = correlation }, keysPerPartition: 1);
        rig.Forecaster.Quantiles = [0.5, 0.99];
        var random = new Random(5);
        for (var minute = 0; minute < 12; minute++)
        {
            var own = random.Next(60, 200);
            var left = withNeighbour ? 2 * own : random.Next(60, 200);
            foreach (var (prefix, count) in new[] { ("a", left), ("k", own), ("r", random.Next(60, 200)) })
            {
                for (var i = 0; i < count; i++)
                {
                    rig.Recorder.Record(Encoding.UTF8.GetBytes(prefix + i), RequestKind.Read, 10);
                }
            }

            rig.Time.Advance(Bucket);
            await rig.Loop.RunCycleAsync(CancellationToken.None);
        }

        var planned = rig.Planner.LastRequest!.Forecast;
        var b = new PartitionId("b");
        var median = planned.ValueAt(b, ResourceKind.Requests, 0, 0.5);
        var top = planned.ValueAt(b, ResourceKind.Requests, 0, 0.99);
        Assert.That(top > median * 1.2, Is.EqualTo(bounded), $"q0.99 {top} against the median {median}");
    }

    [TestCase(true, null, 3)]
    [TestCase(true, 7, 7)]
    [TestCase(false, null, null)]
    public async Task RunCycle_PlansAtMostOneWaveOfMovesUnlessTheHostChoosesOtherwise(bool cap, int? hostCap, int? expected)
    {
        using var rig = new Rig(warmup: 1, configure: o =>
        {
            o.CapMovesPerCycle = cap;
            o.Constraints = o.Constraints with { MaxConcurrentMoves = 3, MaxMovesPerPlan = hostCap };
        });
        rig.Minute();
        await rig.Loop.RunCycleAsync(CancellationToken.None);
        Assert.Multiple(() =>
        {
            Assert.That(rig.Planner.LastRequest!.Constraints.MaxMovesPerPlan, Is.EqualTo(expected));
            // The loop plans on its own copy of the thresholds dictionary (a record compares it by reference).
            Assert.That(rig.Planner.LastRequest.Constraints with { MaxMovesPerPlan = hostCap, UtilizationThresholds = rig.Options.Constraints.UtilizationThresholds }, Is.EqualTo(rig.Options.Constraints), "nothing else of the host's policy changes");
            Assert.That(rig.Planner.LastRequest.Constraints.UtilizationThresholds, Is.EquivalentTo(rig.Options.Constraints.UtilizationThresholds));
        });
    }

    [Test]
    public void Options_ForecastGuardDefaults_BurstBoundAlone()
    {
        var options = new ControlLoopOptions();
        Assert.Multiple(() =>
        {
            Assert.That(options.ForecastGuard.FloorAtLastLoad, Is.False);
            Assert.That(options.ForecastGuard.BoundBursts, Is.True);
            Assert.That(options.ForecastGuard.SeasonalMinPeriod, Is.Null);
            Assert.That(options.ForecastGuard.LevelShiftSteps, Is.Null);
            Assert.That(options.Validate, Throws.Nothing);
        });
    }

    [Test]
    public void Options_SeasonalMinPeriodAboveAQuarterOfTheSeasonalWindow_ThrowNamingBoth()
    {
        // The period search finds periods up to a quarter of the window: a seasonal floor from 200 steps in a 512-step
        // window could never raise anything, which the loop's host set and would otherwise never learn.
        Assert.Multiple(() =>
        {
            Assert.That(
                () => new ControlLoopOptions { Horizon = 60, ForecastGuard = new() { SeasonalMinPeriod = 200, SeasonalWindow = 512 } }.Validate(),
                Throws.InstanceOf<ArgumentOutOfRangeException>().With.Message.Contains("ForecastGuard.SeasonalMinPeriod").And.Message.Contains("200").And.Message.Contains("SeasonalWindow (512)"));
            Assert.That(() => new ControlLoopOptions { Horizon = 60, ForecastGuard = new() { SeasonalMinPeriod = 128, SeasonalWindow = 512 } }.Validate(), Throws.Nothing);
        });
    }

    [Test]
    public void Options_ForecastGuardOutOfRange_ThrowNamingTheSetting()
    {
        Assert.Multiple(() =>
        {
            Assert.That(() => new ControlLoopOptions { ForecastGuard = new() { SeasonalMinPeriod = 1 } }.Validate(), Throws.InstanceOf<ArgumentOutOfRangeException>().With.Message.Contains("SeasonalMinPeriod").And.Message.Contains("1"));
            Assert.That(() => new ControlLoopOptions { Horizon = 60, ForecastGuard = new() { SeasonalMinPeriod = 30 } }.Validate(), Throws.InstanceOf<ArgumentOutOfRangeException>().With.Message.Contains("ForecastGuard.SeasonalMinPeriod").And.Message.Contains("Horizon (60)"));
            Assert.That(() => new ControlLoopOptions { ForecastGuard = new() { SeasonalWindow = 0 } }.Validate(), Throws.InstanceOf<ArgumentOutOfRangeException>().With.Message.Contains("SeasonalWindow"));
            Assert.That(() => new ControlLoopOptions { ForecastGuard = new() { BurstLevelSteps = 0 } }.Validate(), Throws.InstanceOf<ArgumentOutOfRangeException>().With.Message.Contains("BurstLevelSteps"));
            Assert.That(() => new ControlLoopOptions { ForecastGuard = null! }.Validate(), Throws.ArgumentNullException.With.Message.Contains("ForecastGuard"));
            Assert.That(() => new ControlLoopOptions { Horizon = 60, ForecastGuard = new() { SeasonalMinPeriod = 61 } }.Validate(), Throws.Nothing);
        });
    }

    [Test]
    public void Options_OutOfRange_ThrowNamingTheSetting()
    {
        Assert.That(() => new ControlLoopOptions { Horizon = 0 }.Validate(), Throws.InstanceOf<ArgumentOutOfRangeException>().With.Message.Contains("Horizon").And.Message.Contains("0"));
        Assert.That(() => new ControlLoopOptions { WarmupBuckets = 10, MaxHistoryBuckets = 5 }.Validate(), Throws.InstanceOf<ArgumentOutOfRangeException>().With.Message.Contains("MaxHistoryBuckets"));
        Assert.That(() => new ControlLoopOptions { Constraints = new() { PlanningQuantile = 1.5 } }.Validate(), Throws.InstanceOf<ArgumentOutOfRangeException>().With.Message.Contains("PlanningQuantile"));
    }

    [Test]
    public void Constructor_WithAClockThatDisagreesWithTheRecordersByABucketOrMore_ThrowsNamingBothTimes()
    {
        // A loop given the system's clock over a recorder replaying 2019 on a fake one was made without complaint, then every
        // cycle after the warm-up failed: the planners refuse a forecast whose last step ended before the plan's Now as stale.
        var replayed = new FakeTimeProvider(new DateTimeOffset(2019, 7, 1, 8, 0, 0, TimeSpan.Zero));
        var routing = new RoutingTable(RoutingMap.WholeKeySpace(new PartitionId("a"), new NodeId("n1")));
        using var recorder = new LoadRecorder(routing, new LoadRecorderOptions { BucketLength = Bucket }, replayed);
        var nodes = new[] { new NodeInfo(new NodeId("n1"), new Dictionary<ResourceKind, double> { [ResourceKind.Requests] = 100 }) };
        var options = new ControlLoopOptions { Interval = Bucket, Horizon = 5, WarmupBuckets = 1 };

        Assert.That(
            () => new ShardingControlLoop(routing, recorder, new LastValueForecaster(), new HotPartitionPlanner(), new RoutingOnlyExecutor(routing), new FixedClusterInventory(nodes, _ => (1000, 10)), options, TimeProvider.System),
            Throws.ArgumentException.With.Property(nameof(ArgumentException.ParamName)).EqualTo("timeProvider")
                .And.Message.Contains("2019-07-01T08:00:00").And.Message.Contains("LoadRecorder.TimeProvider"));

        // The same time on another clock object (a host's own wrapper, a second fake) is agreement.
        var twin = new FakeTimeProvider(replayed.GetUtcNow());
        using var agreeing = new ShardingControlLoop(routing, recorder, new LastValueForecaster(), new HotPartitionPlanner(), new RoutingOnlyExecutor(routing), new FixedClusterInventory(nodes, _ => (1000, 10)), options, twin);
        Assert.That(agreeing.Status.ConsecutiveFailures, Is.Zero);
    }

    [Test]
    public async Task RunCycle_WithoutAClockOfItsOwn_PlansOnTheRecordersClock()
    {
        // A host replaying recorded traffic (the RedisCluster sample) gives the recorder a clock at the trace's time and
        // built the loop without one: the loop planned at the system's Now, years after the forecast's last step, and the
        // planners refuse such a forecast as stale, so every cycle failed.
        var replayed = new FakeTimeProvider(new DateTimeOffset(2019, 7, 1, 8, 0, 0, TimeSpan.Zero));
        var routing = new RoutingTable(new RoutingMap(
            [
                new PartitionRoute(new PartitionId("a"), KeyRange.FromStrings("", "m"), new NodeId("n1")),
                new PartitionRoute(new PartitionId("b"), KeyRange.FromStrings("m", null), new NodeId("n1")),
            ],
            0));
        using var recorder = new LoadRecorder(routing, new LoadRecorderOptions { BucketLength = Bucket }, replayed);
        var planner = new HotPartitionPlanner();
        var nodes = new[] { "n1", "n2" }.Select(n => new NodeInfo(new NodeId(n), new Dictionary<ResourceKind, double> { [ResourceKind.Requests] = 100 })).ToArray();
        using var loop = new ShardingControlLoop(routing, recorder, new LastValueForecaster(), planner, new RoutingOnlyExecutor(routing), new FixedClusterInventory(nodes, _ => (1000, 10)), new ControlLoopOptions { Interval = Bucket, Horizon = 5, WarmupBuckets = 1 });

        for (var i = 0; i < 20; i++)
        {
            recorder.Record(Encoding.UTF8.GetBytes("k" + i), RequestKind.Read, 10);
        }

        replayed.Advance(Bucket);
        var result = await loop.RunCycleAsync(CancellationToken.None);

        Assert.That(result.Stage, Is.Not.EqualTo(ControlCycleStage.Observed), "the warm-up of one bucket is over");
        Assert.That(planner.LastRequest!.Now, Is.EqualTo(replayed.GetUtcNow()), "the planning time is the recorder's clock, not the system's");
        Assert.That(loop.Status.LastSuccess, Is.EqualTo(replayed.GetUtcNow()));
    }
}
