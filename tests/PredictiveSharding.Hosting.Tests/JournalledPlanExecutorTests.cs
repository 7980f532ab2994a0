using PredictiveSharding.Execution;
using PredictiveSharding.Execution.Journal;
using PredictiveSharding.Executing;
using PredictiveSharding.Hosting.Execution;
using PredictiveSharding.Hosting.Tests.Fakes;
using PredictiveSharding.Keys;
using PredictiveSharding.Moving;
using PredictiveSharding.Planning;
using PredictiveSharding.Routing;
using PredictiveSharding.TestKit;
using PredictiveSharding.TestKit.Moving;
using PredictiveSharding.Topology;

namespace PredictiveSharding.Hosting.Tests;

public sealed class JournalledPlanExecutorTests
{
    private static readonly NodeId N1 = TwoRanges.N1;
    private static readonly NodeId N2 = TwoRanges.N2;

    private DirectoryInfo _folder = null!;

    [SetUp]
    public void CreateFolder() => _folder = Directory.CreateTempSubdirectory("psharding-exec-");

    [TearDown]
    public void DeleteFolder() => _folder.Delete(recursive: true);

    [Test]
    public async Task ExecuteAsync_MovePlan_MovesDataAndRoutingAndSummarises()
    {
        var routing = TwoRanges.Routing();
        var mover = new InMemoryDataMover([N1, N2], routing);
        mover.Seed(N1, Enumerable.Range(0, 100).Select(i => new KeyValueEntry(ShardKey.FromString("z" + i), new byte[] { (byte)i })));
        var options = Options(_folder);
        await using var executor = new JournalledPlanExecutor(routing, mover, options);
        var plan = TwoRanges.MoveToN2("b", 1000);

        var result = await executor.ExecuteAsync(plan, CancellationToken.None);

        Assert.That(result.Completed, Is.EqualTo(1));
        Assert.That(result.RolledBack, Is.Zero);
        Assert.That(result.BytesMoved, Is.GreaterThan(0));
        Assert.That(routing.Current.Get(new PartitionId("b")).Node, Is.EqualTo(N2));
        Assert.That(mover.Dump(N2), Has.Count.EqualTo(100));
        Assert.That(File.Exists(options.JournalPath), Is.True);
        Assert.That(result.Actions, Is.EqualTo(new[] { new PlanActionResult(plan.Actions[0], PlanActionStatus.Completed) }));
        Assert.That(result.Actions[0].TookEffect, Is.True);
    }

    [Test]
    public async Task ExecuteAsync_WhenOneMoveFails_ReportsEachActionsOutcomeInPlanOrder()
    {
        // "a" holds no keys, so its copy writes nothing and completes; every write of "b"'s copy fails, so it is rolled back.
        var routing = TwoRanges.Routing();
        var mover = new HookedDataMover(TwoRanges.Store(routing, keys: 50, valueBytes: 10))
        {
            BeforeWrite = () => throw new IOException("injected: the target's disk is full"),
        };
        var options = Options(_folder, maxRetryAttempts: 0);
        await using var executor = new JournalledPlanExecutor(routing, mover, options);
        var moveA = TwoRanges.MoveToN2("a", 0).Actions[0];
        var moveB = TwoRanges.MoveToN2("b", 500).Actions[0];
        var one = TwoRanges.MoveToN2("b", 500);
        var two = new ShardingPlan(true, [moveA, moveB], one.Before, one.After, 500, TimeSpan.Zero);

        var result = await executor.ExecuteAsync(two, CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(result.Actions.Select(a => a.Action), Is.EqualTo(new[] { moveA, moveB }), "one result per action, in plan order");
            Assert.That(result.Actions.Select(a => a.Status), Is.EqualTo(new[] { PlanActionStatus.Completed, PlanActionStatus.RolledBack }));
            Assert.That(result.Actions.Select(a => a.TookEffect), Is.EqualTo(new[] { true, false }));
            Assert.That(result.Actions[0].Error, Is.Null);
            Assert.That(result.Actions[1].Error, Does.Contain("disk is full"));
            Assert.That((result.Completed, result.RolledBack), Is.EqualTo((1, 1)), "the counts agree with the list");
            Assert.That(routing.Current.Get(new PartitionId("a")).Node, Is.EqualTo(N2));
            Assert.That(routing.Current.Get(new PartitionId("b")).Node, Is.EqualTo(N1));
        });
    }

    [Test]
    public async Task ExecuteAsync_WhenAnActionThrowsPartWayThroughThePlan_ThrowsWithTheSummaryOfTheActionsThatEnded()
    {
        // The split's publish throws (a routing table kept in a remote store that failed): the executor throws that after
        // the move beside it completed, and what the move did (in force, its bytes moved) must reach the control loop.
        var inner = TwoRanges.Routing();
        var routing = new ThrowingPublishRoutingTable(inner, successor => successor.Contains(new PartitionId("a1")));
        var mover = TwoRanges.Store(inner, keys: 50, valueBytes: 10);
        await using var executor = new JournalledPlanExecutor(routing, mover, Options(_folder));
        var move = TwoRanges.MoveToN2("b", 500);
        var split = new SplitAction(new PartitionId("a"), [ShardKey.FromString("f")], [new PartitionId("a1"), new PartitionId("a2")], "test split");
        var plan = new ShardingPlan(true, [move.Actions[0], split], move.Before, move.After, 500, TimeSpan.Zero);

        var error = Assert.ThrowsAsync<IOException>(() => executor.ExecuteAsync(plan, CancellationToken.None))!;

        Assert.That(error.Data[PlanExecutionSummary.ExceptionDataKey], Is.InstanceOf<PlanExecutionSummary>());
        var partial = (PlanExecutionSummary)error.Data[PlanExecutionSummary.ExceptionDataKey]!;
        Assert.Multiple(() =>
        {
            Assert.That(partial.Completed, Is.EqualTo(1));
            Assert.That(partial.BytesMoved, Is.GreaterThan(0));
            Assert.That(partial.Actions, Is.EqualTo(new[] { new PlanActionResult(move.Actions[0], PlanActionStatus.Completed) }));
            Assert.That(partial.Errors, Has.One.Contains("Split of 'a' did not end").And.Contains("remote routing store"));
            Assert.That(inner.Current.Get(new PartitionId("b")).Node, Is.EqualTo(N2));
        });
    }

    [Test]
    public async Task ExecuteAsync_WhenTheRecoveryBeforeThePlanFinishesAnEarlierMove_SummarisesOnlyThePlansOwnActions()
    {
        // A previous process published the move of "a" and stopped before deleting the old copy: the recovery run before
        // the next plan finishes it. That move belongs to the earlier plan; the summary (and through it the control loop's
        // ConsecutiveFailedPlans) is of this plan, whose only move is rolled back.
        var routing = TwoRanges.Routing();
        routing.Apply([new MoveChange(new PartitionId("a"), N2)]);
        var mover = new HookedDataMover(TwoRanges.Store(routing, keys: 50, valueBytes: 10));
        var options = Options(_folder, maxRetryAttempts: 0);
        await JournalAPublishedMoveAwaitingCleanUpAsync(options);

        mover.BeforeWrite = () => throw new IOException("injected: the target's disk is full");
        var plan = TwoRanges.MoveToN2("b", 500);
        PlanExecutionSummary result;
        await using (var executor = new JournalledPlanExecutor(routing, mover, options))
        {
            result = await executor.ExecuteAsync(plan, CancellationToken.None);
        }

        await using (var journal = await FileMoveJournal.OpenAsync(options.JournalPath!, options.ClusterId!))
        {
            var records = (await journal.ReadAsync(CancellationToken.None)).Records;
            Assert.That(records.Where(r => r.ActionId == "p1-0.a0").Select(r => r.State), Is.Empty.Or.Contains(MoveState.Completed), "the recovery finished the earlier move");
        }

        Assert.Multiple(() =>
        {
            Assert.That((result.Completed, result.RolledBack, result.BytesMoved), Is.EqualTo((0, 1, 0L)), "the recovered move is not this plan's");
            Assert.That(result.Actions.Select(a => a.Status), Is.EqualTo(new[] { PlanActionStatus.RolledBack }));
            Assert.That(result.Errors, Has.Count.EqualTo(1));
        });

        var status = new PredictiveSharding.Hosting.ControlLoop.ControlLoopStatus();
        status.PlanExecuted(result.Completed, result.RolledBack, result.Errors[0]);
        Assert.That(status.ConsecutiveFailedPlans, Is.EqualTo(1));
    }

    [Test]
    public async Task ExecuteAsync_WhenAMovesCleanupFails_SummarisesItAsTakenEffectWithItsBytesMoved()
    {
        // The move published and its new owner serves the range; only the deletion of the old copy failed (left for the
        // next recovery). Its bytes were moved, but the summary counted only completed moves' bytes.
        var routing = TwoRanges.Routing();
        var mover = new HookedDataMover(TwoRanges.Store(routing, keys: 50, valueBytes: 10))
        {
            BeforeDelete = node =>
            {
                if (node == N1)
                {
                    throw new IOException("injected: the source's disk is read-only");
                }
            },
        };
        await using var executor = new JournalledPlanExecutor(routing, mover, Options(_folder, maxRetryAttempts: 0));
        var plan = TwoRanges.MoveToN2("b", 500);

        var result = await executor.ExecuteAsync(plan, CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(result.Actions.Select(a => a.Status), Is.EqualTo(new[] { PlanActionStatus.CompletedCleanupPending }));
            Assert.That(routing.Current.Get(new PartitionId("b")).Node, Is.EqualTo(N2));
            Assert.That(result.BytesMoved, Is.GreaterThan(0), "the move's bytes reached its new owner");
            Assert.That(result.Errors, Has.One.Contains("CleanupPending"));
        });
    }

    [Test]
    public async Task ExecuteAsync_WithProgressWhenTheRecoveryBeforeThePlanFinishesAnEarlierMove_NeverReportsFewerActionsFinished()
    {
        // The recovery run before the plan reported through the plan's IProgress with its own counts (1 of 1 finished),
        // then the plan's first report said 0 of 1: the finished count went back down, and the totals were not the plan's.
        var routing = TwoRanges.Routing();
        routing.Apply([new MoveChange(new PartitionId("a"), N2)]);
        var mover = TwoRanges.Store(routing, keys: 50, valueBytes: 10);
        var options = Options(_folder);
        await JournalAPublishedMoveAwaitingCleanUpAsync(options);

        await using var executor = new JournalledPlanExecutor(routing, mover, options);
        var plan = TwoRanges.MoveToN2("b", 500);
        var reported = new List<PlanExecutionProgress>();

        var result = await ((IPlanExecutor)executor).ExecuteAsync(plan, new SynchronousProgress<PlanExecutionProgress>(reported.Add), CancellationToken.None);

        Assert.That(result.Completed, Is.EqualTo(1));
        Assert.That(reported.Select(r => r.Partition), Does.Contain(new PartitionId("a")), "the recovery's move reports too (the health check counts it as progress)");
        Assert.That(reported.Select(r => r.ActionsFinished), Is.Ordered.Ascending);
        Assert.That(reported.Select(r => r.BytesCopied), Is.Ordered.Ascending);
        Assert.That(reported.Select(r => r.ActionsTotal).Distinct(), Is.EqualTo(new[] { 1 }), "the plan's total throughout");
        Assert.That(reported[^1].ActionsFinished, Is.EqualTo(1));
    }

    [Test]
    public async Task ExecuteAsync_WithProgress_ReportsTheMovedPartitionAndItsBytesAsTheCopyGoes()
    {
        var routing = TwoRanges.Routing();
        var mover = TwoRanges.Store(routing, keys: 100, valueBytes: 100);
        var options = Options(_folder, chunkBytes: 1024);
        await using var executor = new JournalledPlanExecutor(routing, mover, options);
        var plan = TwoRanges.MoveToN2("b", 10_000);
        var reported = new List<PlanExecutionProgress>();

        // Synchronous, so every report has arrived when the call returns (Progress<T> would post them later).
        var result = await ((IPlanExecutor)executor).ExecuteAsync(plan, new SynchronousProgress<PlanExecutionProgress>(reported.Add), CancellationToken.None);

        Assert.That(result.Completed, Is.EqualTo(1));
        Assert.That(reported, Has.Count.GreaterThan(3), "a report per chunk and per state change");
        Assert.That(reported.Select(r => r.Partition).Distinct(), Is.EqualTo(new[] { new PartitionId("b") }));
        Assert.That(reported.Select(r => r.ActionsTotal).Distinct(), Is.EqualTo(new[] { 1 }));
        Assert.That(reported.Select(r => r.BytesCopied), Is.Ordered.Ascending);
        Assert.That(reported[^1].BytesCopied, Is.EqualTo(result.BytesMoved), "the last report carries every byte the move copied");
        Assert.That(reported[^1].ActionsFinished, Is.EqualTo(1));
    }

    [Test]
    public async Task ExecuteAsync_AfterDispose_ThrowsObjectDisposedNamingTheExecutorAndOpensNoJournal()
    {
        // A provider disposed under a late cycle (a host whose shutdown timeout passed): the refusal named a semaphore.
        var routing = new RoutingTable(RoutingMap.WholeKeySpace(new PartitionId("a"), N1));
        var options = new ExecutorOptions { JournalPath = Path.Combine(_folder.FullName, "moves.journal"), ClusterId = "test" };
        var executor = new JournalledPlanExecutor(routing, new InMemoryDataMover([N1, N2], routing), options);
        await executor.DisposeAsync();
        var plan = TwoRanges.MoveToN2("a", 0);

        var error = Assert.ThrowsAsync<ObjectDisposedException>(() => executor.ExecuteAsync(plan, CancellationToken.None))!;

        Assert.That(error.ObjectName, Does.Contain(nameof(JournalledPlanExecutor)));
        Assert.That(File.Exists(options.JournalPath), Is.False);
        Assert.That(executor.Dispose, Throws.Nothing, "disposing again is harmless");
    }

    [Test]
    public async Task ExecuteAsync_WhenTheHostChangedTheOptionsAfterCreatingTheExecutor_RunsOnTheValidatedCopy()
    {
        // The executor kept the host's object and read it when the first plan opened the journal, after the loop's warm-up:
        // a change made meanwhile (here one out of range, and another journal) reached it, validated only then, while a
        // change after the first plan did not.
        var routing = TwoRanges.Routing();
        var mover = TwoRanges.Store(routing, keys: 20, valueBytes: 10);
        var options = Options(_folder);
        var journal = options.JournalPath!;
        await using var executor = new JournalledPlanExecutor(routing, mover, options);
        options.ChunkBytes = 0;
        options.JournalPath = Path.Combine(_folder.FullName, "another.journal");

        var result = await executor.ExecuteAsync(TwoRanges.MoveToN2("b", 200), CancellationToken.None);

        Assert.That(result.Completed, Is.EqualTo(1));
        Assert.That(File.Exists(journal), Is.True, "the journal the executor was made with");
        Assert.That(File.Exists(options.JournalPath), Is.False);
    }

    [Test]
    public void Constructor_WithAJournalPathThatIsAFolder_ThrowsNamingIt()
    {
        // The journal is opened by the first plan, after the loop's warm-up (hours, by default): a folder given as the
        // journal path passed the host's start and failed every cycle from then on with "Access to the path is denied".
        var routing = new RoutingTable(RoutingMap.WholeKeySpace(new PartitionId("a"), N1));
        var options = new ExecutorOptions { JournalPath = _folder.FullName, ClusterId = "x" };

        Assert.That(
            () => new JournalledPlanExecutor(routing, new InMemoryDataMover([N1], routing), options),
            Throws.ArgumentException.With.Message.Contains("ExecutorOptions.JournalPath").And.Message.Contains("folder").And.Message.Contains(_folder.FullName));
    }

    [Test]
    public void Constructor_WithoutJournalPath_ThrowsNamingIt()
    {
        var routing = new RoutingTable(RoutingMap.WholeKeySpace(new PartitionId("a"), N1));
        Assert.That(() => new JournalledPlanExecutor(routing, new InMemoryDataMover([N1], routing), new ExecutorOptions { ClusterId = "x" }), Throws.ArgumentException.With.Message.Contains("JournalPath"));
    }

    // A journal in a fresh temporary folder, no clean-up grace and no throttle: moves finish as soon as they can.
    private static ExecutorOptions Options(DirectoryInfo folder, int? maxRetryAttempts = null, int? chunkBytes = null)
    {
        var options = new ExecutorOptions { JournalPath = Path.Combine(folder.FullName, "moves.journal"), ClusterId = "test", CleanupGracePeriod = TimeSpan.Zero, ThrottleBytesPerSecond = null };
        if (maxRetryAttempts is { } attempts)
        {
            options.MaxRetryAttempts = attempts;
        }

        if (chunkBytes is { } bytes)
        {
            options.ChunkBytes = bytes;
        }

        return options;
    }

    /// <summary>A routing table whose publish of a successor <paramref name="fails"/> picks throws, as a remote store's may.</summary>
    private sealed class ThrowingPublishRoutingTable(IRoutingTable inner, Func<RoutingMap, bool> fails) : IRoutingTable
    {
        public RoutingMap Current => inner.Current;

        public event EventHandler<RoutingChangedEventArgs>? Changed
        {
            add => inner.Changed += value;
            remove => inner.Changed -= value;
        }

        public bool TryPublish(RoutingMap expected, RoutingMap successor) =>
            fails(successor) ? throw new IOException("the remote routing store did not answer (injected by the test)") : inner.TryPublish(expected, successor);
    }

    /// <summary>Journals, as a previous process would have left it, the move of "a" to n2 published and waiting to delete the old copy.</summary>
    private static async Task JournalAPublishedMoveAwaitingCleanUpAsync(ExecutorOptions options)
    {
        await using var journal = await FileMoveJournal.OpenAsync(options.JournalPath!, options.ClusterId!);
        await journal.AppendAsync(
            new MoveJournalRecord
            {
                ActionId = "p1-0.a0",
                Kind = ActionKind.Move,
                State = MoveState.CleaningUp,
                Time = DateTimeOffset.UnixEpoch,
                Partition = "a",
                From = N1.Value,
                To = N2.Value,
                RangeStart = "",
                RangeEnd = Convert.ToHexString("m"u8),
                CleanupAfter = DateTimeOffset.UnixEpoch,
            },
            CancellationToken.None);
    }
}
