using System.Text;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using PredictiveSharding.Execution.Journal;
using PredictiveSharding.Keys;
using PredictiveSharding.Moving;
using PredictiveSharding.Planning;
using PredictiveSharding.Routing;
using PredictiveSharding.Topology;
using static PredictiveSharding.Execution.Tests.TestCluster;

namespace PredictiveSharding.Execution.Tests;

public sealed class ShardingExecutorTests
{
    [Test]
    public async Task ExecuteAsync_SplitOnly_PublishesOneRoutingVersionAndCopiesNothing()
    {
        var cluster = Create();
        var before = cluster.Routing.Current.Version;
        var n1Before = cluster.Store.Dump(N1).Count;
        await using var executor = cluster.Executor(new InMemoryMoveJournal("c"));

        var report = await executor.ExecuteAsync(Plan(Split("p2", "k150", "p2a", "p2b")));

        var map = cluster.Routing.Current;
        Assert.That(map.Version, Is.EqualTo(before + 1));
        Assert.That(map.Get(new PartitionId("p2a")).Range, Is.EqualTo(KeyRange.FromStrings("k100", "k150")));
        Assert.That(map.Get(new PartitionId("p2b")).Node, Is.EqualTo(N1));
        Assert.That(map.Contains(new PartitionId("p2")), Is.False);
        Assert.That(report.Actions.Single().Outcome, Is.EqualTo(ActionOutcome.Completed));
        Assert.That(report.Actions.Single().RoutingVersion, Is.EqualTo(before + 1));
        Assert.That(report.Actions.Single().BytesCopied, Is.Zero);
        Assert.That(cluster.Store.Dump(N1), Has.Count.EqualTo(n1Before));
        Assert.That(cluster.Store.Dump(N3), Is.Empty);
        cluster.AssertConsistent();
    }

    [Test]
    public async Task ExecuteAsync_Move_CopiesVerifiesPublishesAndDeletesTheOldCopy()
    {
        var cluster = Create();
        var before = cluster.Routing.Current.Version;
        await using var executor = cluster.Executor(new InMemoryMoveJournal("c"));

        var report = await executor.ExecuteAsync(Plan(Move("p2", N1, N3)));

        var action = report.Actions.Single();
        Assert.That(action.Outcome, Is.EqualTo(ActionOutcome.Completed), action.Error?.ToString());
        Assert.That(action.Verified, Is.True);
        Assert.That(action.VerifiedKeys, Is.EqualTo(100));
        Assert.That(action.KeysCopied, Is.EqualTo(100));
        Assert.That(action.FenceDuration, Is.Not.Null);
        Assert.That(action.RoutingVersion, Is.EqualTo(before + 1));
        Assert.That(cluster.Routing.Current.Get(new PartitionId("p2")).Node, Is.EqualTo(N3));
        Assert.That(cluster.Store.Dump(N3), Has.Count.EqualTo(100));
        Assert.That(cluster.Store.Dump(N1, KeyRange.FromStrings("k100", "k200")), Is.Empty);
        Assert.That(report.AllCompleted, Is.True);
        Assert.That(report.VerifiedKeys, Is.EqualTo(100));
        Assert.That(report.Fences.Count, Is.EqualTo(1));
        Assert.That(executor.FenceStatistics.Count, Is.EqualTo(1));
        cluster.AssertConsistent();
    }

    [Test]
    public async Task ExecuteAsync_WhenARoutingSubscriberThrows_CompletesEveryActionBecauseEachPublishIsInForce()
    {
        var cluster = Create();
        var notified = new List<long>();
        cluster.Routing.Changed += (_, e) =>
        {
            notified.Add(e.Current.Version);
            throw new InvalidOperationException("subscriber failure injected by the test");
        };
        await using var executor = cluster.Executor(new InMemoryMoveJournal("c"));

        var report = await executor.ExecuteAsync(Plan(Split("p2", "k150", "p2a", "p2b"), Move("p2b", N1, N3)));

        Assert.That(report.AllCompleted, Is.True, string.Join("; ", report.Actions.Select(a => a.Error?.Message)));
        Assert.That(cluster.Routing.Current.Get(new PartitionId("p2b")).Node, Is.EqualTo(N3));
        Assert.That(notified, Has.Count.EqualTo(2), "the split's and the move's publishes each reached the subscriber");
        Assert.That(cluster.Store.Dump(N1, KeyRange.FromStrings("k150", "k200")), Is.Empty, "the move cleaned up its old copy");
        cluster.AssertConsistent();
    }

    [Test]
    public async Task ExecuteAsync_SplitThenMoveOfOneShard_MovesOnlyThatShard()
    {
        var cluster = Create();
        await using var executor = cluster.Executor(new InMemoryMoveJournal("c"));

        var report = await executor.ExecuteAsync(Plan(Split("p2", "k150", "p2a", "p2b"), Move("p2b", N1, N3)));

        Assert.That(report.AllCompleted, Is.True, string.Join("; ", report.Actions.Select(a => a.Error?.Message)));
        Assert.That(cluster.Routing.Current.Get(new PartitionId("p2a")).Node, Is.EqualTo(N1));
        Assert.That(cluster.Routing.Current.Get(new PartitionId("p2b")).Node, Is.EqualTo(N3));
        Assert.That(cluster.Store.Dump(N3).Select(e => e.Key), Is.EqualTo(Enumerable.Range(150, 50).Select(Key)));
        cluster.AssertConsistent();
    }

    [Test]
    public async Task ExecuteAsync_Merge_PublishesTheMergedPartitionWithoutCopying()
    {
        var cluster = Create();
        await using var executor = cluster.Executor(new InMemoryMoveJournal("c"));

        var report = await executor.ExecuteAsync(Plan(new MergeAction(new PartitionId("p1"), new PartitionId("p2"), new PartitionId("p12"), "cold")));

        Assert.That(report.Actions.Single().Outcome, Is.EqualTo(ActionOutcome.Completed));
        var merged = cluster.Routing.Current.Get(new PartitionId("p12"));
        Assert.That(merged.Range, Is.EqualTo(new KeyRange(ShardKey.Empty, ShardKey.FromString("k200"))));
        Assert.That(merged.Node, Is.EqualTo(N1));
        Assert.That(report.Actions.Single().BytesCopied, Is.Zero);
        cluster.AssertConsistent();
    }

    [Test]
    public async Task ExecuteAsync_WhileHostsWriteConcurrently_LosesNoAcknowledgedWrite()
    {
        var cluster = Create();
        cluster.Reseed(0, 300, i => "seed-" + i + new string('.', 400));
        var options = FastOptions();
        options.ChangeBatchSize = 256;
        options.CatchUpLagThreshold = 64;
        options.MaxCatchUpRounds = 10_000;
        // Before each chunk is copied, let the writers acknowledge a few more writes, so that writes land while the
        // ranges are being copied whatever the machine's scheduling (a loaded CI machine may otherwise copy first).
        var lastSeen = 0L;
        async Task LetWritersIn(CancellationToken ct)
        {
            var target = Interlocked.Read(ref lastSeen) + 5;
            for (var waited = 0; cluster.AcknowledgedWrites < target && waited < 2_000; waited++)
            {
                await Task.Delay(1, ct);
            }

            Interlocked.Exchange(ref lastSeen, cluster.AcknowledgedWrites);
        }

        await using var executor = cluster.Executor(new InMemoryMoveJournal("c"), options, new YieldingMover(cluster.Store, LetWritersIn));
        using var stop = new CancellationTokenSource();
        var writers = Enumerable.Range(0, 3).Select(w => Task.Run(async () =>
        {
            var random = new Random(w);
            var i = 0;
            while (!stop.IsCancellationRequested)
            {
                // Each writer owns every third key, so the last acknowledged value per key is well defined.
                var key = Key((random.Next(100) * 3) + w);
                await cluster.WriteAsync(key, random.Next(10) == 0 ? null : $"w{w}-{i++}");
                await Task.Yield();
            }
        })).ToArray();

        while (cluster.AcknowledgedWrites < 100)
        {
            await Task.Delay(1);
        }

        Interlocked.Exchange(ref lastSeen, cluster.AcknowledgedWrites);
        var report = await executor.ExecuteAsync(Plan(Move("p2", N1, N3), Move("p3", N2, N1), Split("p1", "k050", "p1a", "p1b"), Move("p1b", N1, N2)));
        var afterMoves = cluster.AcknowledgedWrites;
        while (cluster.AcknowledgedWrites < afterMoves + 100)
        {
            await Task.Delay(1);
        }

        await stop.CancelAsync();
        await Task.WhenAll(writers);

        Assert.That(report.AllCompleted, Is.True, string.Join("; ", report.Actions.Select(a => a.Error?.Message)));
        Assert.That(cluster.AcknowledgedWrites, Is.GreaterThan(300));
        Assert.That(report.Actions.Where(a => a.Kind == ActionKind.Move).Sum(a => a.ChangesApplied), Is.GreaterThan(0), "writes happened during the moves");
        cluster.AssertConsistent();
    }

    [Test]
    public async Task ExecuteAsync_WhenVerificationFails_RollsBackAndReportsTheMismatch()
    {
        var cluster = Create();
        var journal = new InMemoryMoveJournal("c");
        var before = cluster.Routing.Current;
        await using var executor = cluster.Executor(journal, mover: new CorruptingMover(cluster.Store));

        var report = await executor.ExecuteAsync(Plan(Move("p2", N1, N3)));

        var action = report.Actions.Single();
        Assert.That(action.Outcome, Is.EqualTo(ActionOutcome.RolledBack));
        Assert.That(action.Verified, Is.False);
        Assert.That(action.Error, Is.TypeOf<RangeVerificationException>());
        Assert.That(action.Error!.Message, Does.Contain("n1").And.Contain("n3"));
        Assert.That(cluster.Routing.Current, Is.SameAs(before));
        Assert.That(cluster.Store.Dump(N3), Is.Empty);
        Assert.That(journal.Records[^1].State, Is.EqualTo(MoveState.RolledBack));
        Assert.That(journal.Records.Select(r => r.State), Does.Contain(MoveState.RollingBack));
        cluster.AssertConsistent();
    }

    [Test]
    public async Task ExecuteAsync_WhenCancelledMidCopy_RollsBackThenThrows()
    {
        var cluster = Create();
        var journal = new InMemoryMoveJournal("c");
        using var cts = new CancellationTokenSource();
        var mover = new CancellingMover(cluster.Store, cts, nameof(IDataMover.ReadChunkAsync), 2);
        await using var executor = cluster.Executor(journal, mover: mover);

        Assert.That(async () => await executor.ExecuteAsync(Plan(Move("p2", N1, N3)), cancellationToken: cts.Token), Throws.InstanceOf<OperationCanceledException>());

        Assert.That(cluster.Routing.Current.Get(new PartitionId("p2")).Node, Is.EqualTo(N1));
        Assert.That(cluster.Store.Dump(N3), Is.Empty);
        Assert.That(journal.Records[^1].State, Is.EqualTo(MoveState.RolledBack));
        cluster.AssertConsistent();
    }

    [Test]
    public async Task ExecuteAsync_WhenMoverFailsTransiently_RetriesAndCompletes()
    {
        var cluster = Create();
        var mover = new FailingMover(cluster.Store, nameof(IDataMover.ReadChunkAsync), failures: 2, () => new TimeoutException("slow disk"));
        await using var executor = cluster.Executor(new InMemoryMoveJournal("c"), mover: mover);

        var report = await executor.ExecuteAsync(Plan(Move("p2", N1, N3)));

        Assert.That(report.Actions.Single().Outcome, Is.EqualTo(ActionOutcome.Completed));
        Assert.That(mover.Failures, Is.EqualTo(2));
        cluster.AssertConsistent();
    }

    [Test]
    public async Task ExecuteAsync_WhenMoverFailsPermanently_RollsBackWithTheCause()
    {
        var cluster = Create();
        var mover = new FailingMover(cluster.Store, nameof(IDataMover.ChecksumAsync), failures: int.MaxValue, () => new InvalidOperationException("node n3 lost its disk"));
        await using var executor = cluster.Executor(new InMemoryMoveJournal("c"), mover: mover);

        var report = await executor.ExecuteAsync(Plan(Move("p2", N1, N3), Split("p2", "k150", "p2a", "p2b")));

        Assert.That(report.Actions[0].Outcome, Is.EqualTo(ActionOutcome.RolledBack));
        Assert.That(report.Actions[0].Error!.Message, Is.EqualTo("node n3 lost its disk"));
        Assert.That(mover.Failures, Is.EqualTo(1), "a permanent error is not retried");
        Assert.That(report.Actions[1].Outcome, Is.EqualTo(ActionOutcome.Skipped), "the split depends on the failed move");
        Assert.That(cluster.Routing.Current.Contains(new PartitionId("p2")), Is.True);
        cluster.AssertConsistent();
    }

    private static IEnumerable<TestCaseData> BadPlans()
    {
        yield return new TestCaseData(Plan(Move("nope", N1, N3)), "'nope'").SetName("ExecuteAsync_WhenPlanNamesUnknownPartition_Refuses");
        yield return new TestCaseData(Plan(Move("p2", N1, new NodeId("n9"))), "'n9'").SetName("ExecuteAsync_WhenPlanNamesUnknownNode_Refuses");
        yield return new TestCaseData(Plan(Split("p2", "k250", "x", "y")), "'k250'").SetName("ExecuteAsync_WhenSplitKeyIsOutsideThePartition_Refuses");
        yield return new TestCaseData(Plan(Split("p2", "k100", "x", "y")), "'k100'").SetName("ExecuteAsync_WhenSplitKeyIsThePartitionStart_Refuses");
        yield return new TestCaseData(Plan(Move("p2", N1, N3), Move("p2", N3, N2)), "overlaps action #0").SetName("ExecuteAsync_WhenTwoMovesOverlap_Refuses");
        yield return new TestCaseData(Plan(Move("p2", N1, N3), Split("p2", "k150", "a", "b"), Move("a", N3, N2)), "overlaps action #0").SetName("ExecuteAsync_WhenAShardOfAMovedRangeMovesAgain_Refuses");
        yield return new TestCaseData(Plan(Move("p3", N1, N2)), "already owns it").SetName("ExecuteAsync_WhenMovingToTheOwner_Refuses");
        yield return new TestCaseData(Plan(Move("p2", N2, N3)), "it is on 'n1'").SetName("ExecuteAsync_WhenMovingFromANodeThatDoesNotOwnIt_Refuses");
        yield return new TestCaseData(Plan(new MergeAction(new PartitionId("p2"), new PartitionId("p3"), new PartitionId("m"), "x")), "different nodes").SetName("ExecuteAsync_WhenMergingPartitionsOnDifferentNodes_Refuses");
        yield return new TestCaseData(Plan(Split("p1", "k050", "p2", "q")), "'p2'").SetName("ExecuteAsync_WhenSplitReusesAnExistingId_Refuses");
    }

    [TestCaseSource(nameof(BadPlans))]
    public async Task ExecuteAsync_BadPlan_IsRefusedBeforeAnythingChanges(ShardingPlan plan, string named)
    {
        var cluster = Create();
        var journal = new InMemoryMoveJournal("c");
        var before = cluster.Routing.Current;
        var n1 = cluster.Store.Dump(N1).Count;
        var n2 = cluster.Store.Dump(N2).Count;
        await using var executor = cluster.Executor(journal);

        var error = Assert.ThrowsAsync<ArgumentException>(async () => await executor.ExecuteAsync(plan))!;

        Assert.That(error.Message, Does.Contain(named));
        Assert.That(error.Message, Does.Contain("nothing was changed"));
        Assert.That(cluster.Routing.Current, Is.SameAs(before));
        Assert.That(journal.Records, Is.Empty);
        Assert.That(cluster.Store.Dump(N1), Has.Count.EqualTo(n1));
        Assert.That(cluster.Store.Dump(N2), Has.Count.EqualTo(n2));
        Assert.That(cluster.Store.Dump(N3), Is.Empty);
    }

    [Test]
    public async Task ExecuteAsync_ReportsEveryStateThroughIProgressAndTheEvent()
    {
        var cluster = Create();
        await using var executor = cluster.Executor(new InMemoryMoveJournal("c"));
        var progress = new ListProgress<ExecutionProgress>();
        var events = new ListProgress<ExecutionProgress>();
        executor.ProgressChanged += (_, p) => events.Report(p);

        await executor.ExecuteAsync(Plan(Move("p2", N1, N3, bytes: 1200)), progress);

        var states = progress.Items.Select(p => p.Action.State).Distinct().ToList();
        Assert.That(states, Is.EqualTo(new[] { MoveState.Preparing, MoveState.Copying, MoveState.CatchingUp, MoveState.Verifying, MoveState.CuttingOver, MoveState.CleaningUp, MoveState.Completed }));
        Assert.That(events.Items, Has.Count.EqualTo(progress.Items.Count));
        var last = progress.Items[^1];
        Assert.That(last.BytesCopied, Is.EqualTo(last.Action.BytesCopied).And.GreaterThan(0));
        Assert.That(last.Action.KeysCopied, Is.EqualTo(100));
        Assert.That(last.BytesExpected, Is.EqualTo(1200));
        Assert.That(last.ActionsTotal, Is.EqualTo(1));
    }

    [Test]
    public async Task ExecuteAsync_TheLastReportCountsEveryActionFinished()
    {
        // Each action's Completed report counted it as finished only after the report, so the plan's last report said
        // one of two had ended: a watcher never saw the plan finish.
        var cluster = Create();
        await using var executor = cluster.Executor(new InMemoryMoveJournal("c"));
        var progress = new ListProgress<ExecutionProgress>();

        await executor.ExecuteAsync(Plan(Move("p2", N1, N3), Move("p3", N2, N1)), progress);

        // The two moves may run at once; their reports still reach the list in the order they were counted.
        Assert.That(progress.Items[^1].ActionsFinished, Is.EqualTo(2));
        Assert.That(progress.Items.Select(p => p.ActionsFinished), Is.Ordered, "the finished count never goes back");
        Assert.That(progress.Items.Where(p => p.Action.State == MoveState.Completed).Select(p => p.ActionsFinished), Is.EqualTo(new[] { 1, 2 }), "each action's final report counts it");
    }

    [Test]
    public async Task ExecuteAsync_WithASkippedAction_TheLastReportCountsEveryActionFinished()
    {
        // A skipped action made no report at all, so the plan's last report said one of two had ended: a host's
        // progress bar never reached the end.
        var cluster = Create();
        var mover = new FailingMover(cluster.Store, nameof(IDataMover.ChecksumAsync), failures: int.MaxValue, () => new InvalidOperationException("node n3 lost its disk"));
        await using var executor = cluster.Executor(new InMemoryMoveJournal("c"), mover: mover);
        var progress = new ListProgress<ExecutionProgress>();

        var report = await executor.ExecuteAsync(Plan(Move("p2", N1, N3), Split("p2", "k150", "p2a", "p2b")), progress);

        Assert.That(report.Actions.Select(a => a.Outcome), Is.EqualTo(new[] { ActionOutcome.RolledBack, ActionOutcome.Skipped }));
        AssertTheLastReportCountsEveryAction(progress, 2);
        var skipped = progress.Items.Last(p => p.Action.ActionId == report.Actions[1].ActionId);
        Assert.That(skipped.Action.State, Is.EqualTo(report.Actions[1].FinalState), "the skipped action's report gives the state it ended in");
    }

    [Test]
    public async Task ExecuteAsync_WithAMoveLeftCleanupPending_TheLastReportCountsEveryActionFinished()
    {
        // A move whose clean-up failed ended in CleaningUp, a state its reports do not count as an end: when no other
        // action reported after it, the last report said none had ended.
        var cluster = Create();
        var mover = new FailingDeletesOn(cluster.Store, N1);
        await using var executor = cluster.Executor(new InMemoryMoveJournal("c"), mover: mover);
        var progress = new ListProgress<ExecutionProgress>();

        var report = await executor.ExecuteAsync(Plan(Move("p2", N1, N3)), progress);

        Assert.That(report.Actions.Single().Outcome, Is.EqualTo(ActionOutcome.CleanupPending));
        AssertTheLastReportCountsEveryAction(progress, 1);
        var pending = progress.Items.Last(p => p.Action.ActionId == report.Actions[0].ActionId);
        Assert.That(pending.Action.State, Is.EqualTo(MoveState.CleaningUp));
    }

    private static void AssertTheLastReportCountsEveryAction(ListProgress<ExecutionProgress> progress, int actions)
    {
        var items = progress.Items;
        Assert.That(items[^1].ActionsTotal, Is.EqualTo(actions));
        Assert.That(items[^1].ActionsFinished, Is.EqualTo(actions), "the last report counts every action finished");
        Assert.That(items.Select(p => p.ActionsFinished), Is.Ordered, "the finished count never goes back");
    }

    [Test]
    public async Task ExecuteAsync_CountsMovesAndBytesOnTheExecutionMeter()
    {
        var cluster = Create();
        using var started = new MetricCollector<long>(null, "PredictiveSharding.Execution", "psharding.moves.started");
        using var completed = new MetricCollector<long>(null, "PredictiveSharding.Execution", "psharding.moves.completed");
        using var rolledBack = new MetricCollector<long>(null, "PredictiveSharding.Execution", "psharding.moves.rolled_back");
        using var bytes = new MetricCollector<long>(null, "PredictiveSharding.Execution", "psharding.moves.bytes_copied");
        using var fence = new MetricCollector<double>(null, "PredictiveSharding.Execution", "psharding.moves.fence_duration");
        await using var executor = cluster.Executor(new InMemoryMoveJournal("c"));

        var report = await executor.ExecuteAsync(Plan(Move("p2", N1, N3), Move("p3", N2, N1)));

        Assert.That(started.GetMeasurementSnapshot().EvaluateAsCounter(), Is.EqualTo(2));
        Assert.That(completed.GetMeasurementSnapshot().EvaluateAsCounter(), Is.EqualTo(2));
        Assert.That(rolledBack.GetMeasurementSnapshot().EvaluateAsCounter(), Is.Zero);
        Assert.That(bytes.GetMeasurementSnapshot().EvaluateAsCounter(), Is.EqualTo(report.Actions.Sum(a => a.BytesCopied)));
        Assert.That(fence.GetMeasurementSnapshot(), Has.Count.EqualTo(2));
    }

    [Test]
    public async Task ExecuteAsync_WithThrottle_CopiesNoFasterThanTheRateOnTheClock()
    {
        var cluster = Create();
        var big = new string('x', 200);
        for (var i = 100; i < 200; i++)
        {
            cluster.Store.Seed(N1, [new KeyValueEntry(Key(i), Bytes(big))]);
        }

        var options = FastOptions();
        options.ThrottleBytesPerSecond = 4096;
        await using var executor = cluster.Executor(new InMemoryMoveJournal("c"), options);

        var run = executor.ExecuteAsync(Plan(Move("p2", N1, N3)));
        var advanced = TimeSpan.Zero;
        while (!run.IsCompleted && advanced < TimeSpan.FromMinutes(5))
        {
            cluster.Time.Advance(TimeSpan.FromMilliseconds(100));
            advanced += TimeSpan.FromMilliseconds(100);
            await Task.WhenAny(run, Task.Delay(5));
        }

        var report = await run;
        var copied = report.Actions.Single().BytesCopied;
        Assert.That(copied, Is.EqualTo(100 * (4 + 200)));

        // The bucket starts with one refill (100 ms) of tokens; the rest arrives at 4096 bytes a second of the executor's clock.
        var minimum = TimeSpan.FromSeconds((copied - 409) / 4096.0) - TimeSpan.FromMilliseconds(200);
        Assert.That(advanced, Is.GreaterThanOrEqualTo(minimum));
        Assert.That(report.AllCompleted, Is.True);
    }

    [Test]
    public async Task ExecuteAsync_WithGracePeriod_DeletesTheOldCopyOnlyAfterIt()
    {
        var cluster = Create();
        var options = FastOptions();
        options.CleanupGracePeriod = TimeSpan.FromSeconds(30);
        await using var executor = cluster.Executor(new InMemoryMoveJournal("c"), options);
        var version = cluster.Routing.Current.Version;

        var run = executor.ExecuteAsync(Plan(Move("p2", N1, N3)));
        for (var i = 0; i < 1000 && cluster.Routing.Current.Version == version; i++)
        {
            await Task.Delay(5);
        }

        Assert.That(cluster.Routing.Current.Get(new PartitionId("p2")).Node, Is.EqualTo(N3), "published before the grace period");
        cluster.Time.Advance(TimeSpan.FromSeconds(29));
        await Task.WhenAny(run, Task.Delay(50));
        Assert.That(run.IsCompleted, Is.False);
        Assert.That(cluster.Store.Dump(N1, KeyRange.FromStrings("k100", "k200")), Has.Count.EqualTo(100), "the old copy stays during the grace period");

        cluster.Time.Advance(TimeSpan.FromSeconds(2));
        var report = await run.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.That(report.AllCompleted, Is.True);
        Assert.That(cluster.Store.Dump(N1, KeyRange.FromStrings("k100", "k200")), Is.Empty);
        cluster.AssertConsistent();
    }

    [Test]
    public async Task ExecuteAsync_DuringTheGracePeriod_ReportsProgressWhileItWaits()
    {
        // The hosted loop's health check counts three intervals without progress as a stall: the 30 s wait, reported
        // once when it began, read as one with any interval under 10 s.
        var cluster = Create();
        var options = FastOptions();
        options.CleanupGracePeriod = TimeSpan.FromSeconds(30);
        await using var executor = cluster.Executor(new InMemoryMoveJournal("c"), options);
        var progress = new ListProgress<ExecutionProgress>();
        var version = cluster.Routing.Current.Version;

        var run = executor.ExecuteAsync(Plan(Move("p2", N1, N3)), progress);
        for (var i = 0; i < 1000 && cluster.Routing.Current.Version == version; i++)
        {
            await Task.Delay(5);
        }

        // A second at a time, with a pause for the wait's next slice to start.
        for (var second = 1; second < 30; second++)
        {
            cluster.Time.Advance(TimeSpan.FromSeconds(1));
            await Task.WhenAny(run, Task.Delay(20));
        }

        Assert.That(run.IsCompleted, Is.False, "the grace period has not passed");
        cluster.Time.Advance(TimeSpan.FromSeconds(2));
        var report = await run.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.That(report.AllCompleted, Is.True);
        var cleaningUp = progress.Items.Count(p => p.Action.State == MoveState.CleaningUp);

        // One when the state began and one per 5 s slice but the last: 6 when every slice starts before the clock moves
        // on; at least 4 however late the test's pauses let them start.
        Assert.That(cleaningUp, Is.InRange(4, 6));
    }

    [Test]
    public async Task ExecuteAsync_WhenCancelledDuringTheGracePeriod_LeavesTheCleanUpToRecovery()
    {
        var cluster = Create();
        var options = FastOptions();
        options.CleanupGracePeriod = TimeSpan.FromSeconds(30);
        var journal = new InMemoryMoveJournal("c");
        await using (var executor = cluster.Executor(journal, options))
        {
            await CancelOncePublishedAsync(cluster, executor, Plan(Move("p2", N1, N3)));
        }

        Assert.That(journal.Records[^1].State, Is.EqualTo(MoveState.CleaningUp));
        Assert.That(cluster.Routing.Current.Get(new PartitionId("p2")).Node, Is.EqualTo(N3));

        await using var next = cluster.Executor(journal, options);
        var recovering = next.RecoverAsync();
        cluster.Time.Advance(TimeSpan.FromSeconds(31));
        var recovery = await recovering.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.That(recovery.Resumed, Is.EqualTo(1));
        Assert.That(recovery.Actions.Single().Outcome, Is.EqualTo(ActionOutcome.Completed));
        Assert.That(journal.Records, Is.Empty, "finished actions are dropped from the journal");
        cluster.AssertConsistent();
    }

    [Test]
    public async Task RecoverAsync_OfACleanUpWhoseDeadlineWasJournalledOnAClockAnHourAhead_WaitsOnlyTheGracePeriod()
    {
        // The executor stopped in the grace period of a published move and restarts on a machine whose clock is an hour
        // behind the one that journalled the deadline (or NTP stepped the clock back): the wait must not be skew + grace.
        var cluster = Create();
        var p2 = new PartitionId("p2");
        var range = KeyRange.FromStrings("k100", "k200");
        await cluster.Store.WriteAsync(N3, cluster.Store.Dump(N1, range), CancellationToken.None);
        var current = cluster.Routing.Current;
        Assert.That(cluster.Routing.TryPublish(current, current.Apply(new MoveChange(p2, N3))), Is.True);
        var journal = new InMemoryMoveJournal("c");
        await journal.AppendAsync(new MoveJournalRecord
        {
            ActionId = "p1-1.a0",
            Kind = ActionKind.Move,
            State = MoveState.CleaningUp,
            Time = cluster.Time.GetUtcNow(),
            Partition = "p2",
            From = "n1",
            To = "n3",
            RangeStart = KeyText.ToHex(range.Start),
            RangeEnd = KeyText.ToHex(range.End!.Value),
            CleanupAfter = cluster.Time.GetUtcNow() + TimeSpan.FromHours(1) + TimeSpan.FromSeconds(30),
        }, CancellationToken.None);
        var options = FastOptions();
        options.CleanupGracePeriod = TimeSpan.FromSeconds(30);
        await using var executor = cluster.Executor(journal, options);

        var recovering = executor.RecoverAsync();
        for (var i = 0; i < 1000 && journal.Records.Count < 2; i++)
        {
            await Task.Delay(5);
        }

        Assert.That(journal.Records[^1].CleanupAfter, Is.LessThanOrEqualTo(cluster.Time.GetUtcNow() + options.CleanupGracePeriod), "the journalled deadline is capped");
        cluster.Time.Advance(TimeSpan.FromSeconds(29));
        await Task.WhenAny(recovering, Task.Delay(50));
        Assert.That(recovering.IsCompleted, Is.False, "the grace period has not passed");
        Assert.That(cluster.Store.Dump(N1, range), Has.Count.EqualTo(100));

        cluster.Time.Advance(TimeSpan.FromSeconds(2));
        var recovery = await recovering.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.That(recovery.Actions.Single().Outcome, Is.EqualTo(ActionOutcome.Completed));
        Assert.That(cluster.Store.Dump(N1, range), Is.Empty);
        cluster.AssertConsistent();
    }

    [Test]
    public async Task ExecuteAsync_WhenCancelledDuringTheGracePeriod_LogsTheStopAsInformationNotAnError()
    {
        var cluster = Create();
        var options = FastOptions();
        options.CleanupGracePeriod = TimeSpan.FromSeconds(30);
        var logger = new FakeLogger<ShardingExecutor>();
        await using var executor = new ShardingExecutor(cluster.Routing, cluster.Store, new InMemoryMoveJournal("c"), options, cluster.Time, logger);

        await CancelOncePublishedAsync(cluster, executor, Plan(Move("p2", N1, N3)));

        var records = logger.Collector.GetSnapshot();
        var stopped = records.Single(r => r.Id.Id == 2012);
        Assert.Multiple(() =>
        {
            Assert.That(records.Where(r => r.Level >= LogLevel.Error), Is.Empty, "a shutdown during the grace period is not an error");
            Assert.That(stopped.Level, Is.EqualTo(LogLevel.Information));
            Assert.That(stopped.Message, Does.Contain("stopped in CleaningUp").And.Contain("the next recovery finishes it"));
            Assert.That(stopped.Exception, Is.Null);
        });
    }

    /// <summary>Starts the plan, waits until its move has published the new routing version (the grace period), then cancels.</summary>
    private static async Task CancelOncePublishedAsync(TestCluster cluster, ShardingExecutor executor, ShardingPlan plan)
    {
        using var cts = new CancellationTokenSource();
        var version = cluster.Routing.Current.Version;
        var run = executor.ExecuteAsync(plan, cancellationToken: cts.Token);
        for (var i = 0; i < 1000 && cluster.Routing.Current.Version == version; i++)
        {
            await Task.Delay(5);
        }

        await cts.CancelAsync();
        Assert.That(async () => await run, Throws.InstanceOf<OperationCanceledException>());
    }

    [Test]
    public async Task ExecuteAsync_WhileAnotherPlanRuns_Throws()
    {
        var cluster = Create();
        var options = FastOptions();
        options.CleanupGracePeriod = TimeSpan.FromSeconds(30);
        await using var executor = cluster.Executor(new InMemoryMoveJournal("c"), options);
        var run = executor.ExecuteAsync(Plan(Move("p2", N1, N3)));

        Assert.That(async () => await executor.ExecuteAsync(Plan(Move("p3", N2, N3))), Throws.InvalidOperationException.With.Message.Contains("already running"));

        cluster.Time.Advance(TimeSpan.FromMinutes(1));
        for (var i = 0; i < 100 && !run.IsCompleted; i++)
        {
            cluster.Time.Advance(TimeSpan.FromSeconds(31));
            await Task.WhenAny(run, Task.Delay(10));
        }

        Assert.That((await run).AllCompleted, Is.True);
    }

    private sealed class CancellingMover(IDataMover inner, CancellationTokenSource cts, string operation, int atCall) : DelegatingDataMover(inner)
    {
        private int _calls;

        protected override void BeforeCall(string name)
        {
            if (name == operation && ++_calls == atCall)
            {
                cts.Cancel();
            }
        }
    }

    private sealed class FailingDeletesOn(IDataMover inner, NodeId node) : DelegatingDataMover(inner)
    {
        public override ValueTask DeleteRangeAsync(NodeId n, KeyRange range, CancellationToken cancellationToken) =>
            n == node
                ? throw new InvalidOperationException($"node '{n}' is read-only for maintenance")
                : base.DeleteRangeAsync(n, range, cancellationToken);
    }

    private sealed class FailingMover(IDataMover inner, string operation, int failures, Func<Exception> error) : DelegatingDataMover(inner)
    {
        public int Failures { get; private set; }

        protected override void BeforeCall(string name)
        {
            if (name == operation && Failures < failures)
            {
                Failures++;
                throw error();
            }
        }
    }
}
