using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using PredictiveSharding.Execution.Journal;
using PredictiveSharding.TestKit;
using PredictiveSharding.Topology;
using static PredictiveSharding.Execution.Tests.TestCluster;

namespace PredictiveSharding.Execution.Tests.Journal;

public sealed class JournalFailureTests
{
    [Test]
    public async Task ExecuteAsync_AfterAPlanFailedOnAJournalWrite_RecoversTheInterruptedMoveBeforeTheNextPlan()
    {
        // A journal append that fails (a full disk) ends the plan with the error and leaves the move where its last record
        // says: a change capture open on the source and a partial copy on the target. The same executor's next plan must
        // finish or undo that move first, as a restarted one would, not leave the capture growing on the source for good.
        var cluster = Create();
        var journal = new FailingOnceJournal(new InMemoryMoveJournal("c"), MoveState.CuttingOver);
        await using var executor = cluster.Executor(journal);

        Assert.That(async () => await executor.ExecuteAsync(Plan(Move("p2", N1, N3))), Throws.InstanceOf<IOException>().With.Message.Contains("No space left"));
        await AssertTheNextPlanFinishesTheInterruptedMoveFirstAsync(cluster, executor);
    }

    [Test]
    public async Task ExecuteAsync_AfterAPlanWhoseJournalTimedOutWithACancellation_ThrowsThatErrorAndRecoversTheMoveBeforeTheNextPlan()
    {
        // A journal kept in the host's own store (IMoveJournal) may time out as HttpClient does, with a TaskCanceledException
        // although no one cancelled. The move's task then ended Canceled, not Faulted: the plan threw an AggregateException
        // from reading its result, and the next plan did not recover the interrupted move (its capture stayed open).
        var cluster = Create();
        var journal = new FailingOnceJournal(new InMemoryMoveJournal("c"), MoveState.CuttingOver, () => new TaskCanceledException("The request was canceled due to the configured HttpClient.Timeout of 100 seconds elapsing.", new TimeoutException()));
        await using var executor = cluster.Executor(journal);

        Assert.That(async () => await executor.ExecuteAsync(Plan(Move("p2", N1, N3))), Throws.InstanceOf<OperationCanceledException>().With.Message.Contains("HttpClient.Timeout"));
        await AssertTheNextPlanFinishesTheInterruptedMoveFirstAsync(cluster, executor);
    }

    [Test]
    public async Task ExecuteAsync_WhenOneMoveFailsOnAJournalWrite_MetersTheOtherMoveAndGivesTheReportOfTheActionsThatEndedWithTheError()
    {
        // The plan throws the failed action's error after its other actions have run: a move that completed meanwhile is
        // in force and its bytes were moved, so it is metered, and the error carries the report of the actions that ended
        // (the caller, e.g. the hosted control loop, meters and logs what the plan did from it).
        var cluster = Create();
        var journal = new FailingOnceJournal(new InMemoryMoveJournal("c"), MoveState.CuttingOver);
        using var completed = new MetricCollector<long>(null, "PredictiveSharding.Execution", "psharding.moves.completed");
        using var bytes = new MetricCollector<long>(null, "PredictiveSharding.Execution", "psharding.moves.bytes_copied");
        await using var executor = cluster.Executor(journal);

        var error = Assert.ThrowsAsync<IOException>(async () => await executor.ExecuteAsync(Plan(Move("p2", N1, N3), Move("p3", N2, N3))))!;

        Assert.That(error.Data[ExecutionReport.ExceptionDataKey], Is.InstanceOf<ExecutionReport>(), "the report of the actions that ended");
        var partial = (ExecutionReport)error.Data[ExecutionReport.ExceptionDataKey]!;
        var done = partial.Actions.Single();
        Assert.That(done.Outcome, Is.EqualTo(ActionOutcome.Completed));
        Assert.That(done.BytesCopied, Is.GreaterThan(0));
        Assert.That(cluster.Routing.Current.Get(done.Partition).Node, Is.EqualTo(N3));
        Assert.That(completed.GetMeasurementSnapshot().EvaluateAsCounter(), Is.EqualTo(1));
        Assert.That(bytes.GetMeasurementSnapshot().EvaluateAsCounter(), Is.GreaterThanOrEqualTo(done.BytesCopied), "the completed move's bytes are metered");
    }

    [Test]
    public async Task ExecuteAsync_WhenCompactingTheJournalAfterACompletedPlanFails_ReturnsThePlansReportLogsAndCountsItAndCompactsAfterTheNextPlan()
    {
        // The plan's moves are done and journalled durably; only dropping the finished records failed (a full disk while
        // writing the compacted copy). Throwing then told the caller that a plan which completed had failed.
        var cluster = Create();
        var journal = new FailingRewriteJournal(new InMemoryMoveJournal("c"));
        var logger = new FakeLogger<ShardingExecutor>();
        using var failures = new MetricCollector<long>(null, "PredictiveSharding.Execution", "psharding.journal.compaction_failures");
        await using var executor = new ShardingExecutor(cluster.Routing, cluster.Store, journal, FastOptions(), cluster.Time, logger);
        await executor.RecoverAsync();
        await FillWithFinishedRecordsAsync(journal);
        journal.FailRewrites = true;

        var report = await executor.ExecuteAsync(Plan(Move("p2", N1, N3)));

        Assert.That(report.AllCompleted, Is.True);
        Assert.That(journal.FailedRewrites, Is.EqualTo(1), "compaction was tried");
        Assert.That(cluster.Routing.Current.Get(new PartitionId("p2")).Node, Is.EqualTo(N3));
        Assert.That(failures.GetMeasurementSnapshot().EvaluateAsCounter(), Is.EqualTo(1));
        var warning = logger.Collector.GetSnapshot().Single(r => r.Id.Id == 2014);
        Assert.That(warning.Level, Is.EqualTo(LogLevel.Warning));
        Assert.That(warning.Message, Does.Contain(report.PlanId));
        Assert.That(warning.Exception, Is.InstanceOf<IOException>());
        var kept = (await journal.ReadAsync(CancellationToken.None)).Records;
        Assert.That(kept, Has.Count.GreaterThan(4097), "the journal keeps every record after the failed compaction");
        cluster.AssertConsistent();

        journal.FailRewrites = false;
        var next = await executor.ExecuteAsync(Plan(Move("p3", N2, N3)));

        Assert.That(next.AllCompleted, Is.True);
        Assert.That((await journal.ReadAsync(CancellationToken.None)).Records, Is.Empty, "the next plan compacted the journal");
        cluster.AssertConsistent();
    }

    [Test]
    public async Task ExecuteAsync_WhenCancelledAndCompactingTheJournalFails_ThrowsTheCancellationAfterRollingBack()
    {
        var cluster = Create();
        var journal = new FailingRewriteJournal(new InMemoryMoveJournal("c"));
        await using var executor = cluster.Executor(journal);
        await executor.RecoverAsync();
        await FillWithFinishedRecordsAsync(journal);
        journal.FailRewrites = true;
        using var cancel = new CancellationTokenSource();
        var progress = new SynchronousProgress<ExecutionProgress>(p =>
        {
            if (p.Action.State == MoveState.Verifying)
            {
                cancel.Cancel();
            }
        });

        Assert.That(async () => await executor.ExecuteAsync(Plan(Move("p2", N1, N3)), progress, cancel.Token), Throws.InstanceOf<OperationCanceledException>());
        Assert.That(journal.FailedRewrites, Is.EqualTo(1), "compaction was tried");
        Assert.That(cluster.Routing.Current.Get(new PartitionId("p2")).Node, Is.EqualTo(N1), "the cancelled move was rolled back");
        cluster.AssertConsistent();
    }

    [Test]
    public async Task ExecuteAsync_WhenCompactingTheJournalInTheRecoveryBeforeThePlanFails_RunsThePlanAndLogsAndCountsIt()
    {
        // A new executor recovers before its first plan and compacts the journal then (any finished record at all). The
        // rewrite failing (a full disk while writing the compacted copy) is housekeeping: the journal keeps its records, so
        // the plan that would have run must run, not fail with the rewrite's IOException.
        var cluster = Create();
        var journal = new FailingRewriteJournal(new InMemoryMoveJournal("c"));
        await FillWithFinishedRecordsAsync(journal, 3);
        journal.FailRewrites = true;
        var logger = new FakeLogger<ShardingExecutor>();
        using var failures = new MetricCollector<long>(null, "PredictiveSharding.Execution", "psharding.journal.compaction_failures");
        await using var executor = new ShardingExecutor(cluster.Routing, cluster.Store, journal, FastOptions(), cluster.Time, logger);

        var report = await executor.ExecuteAsync(Plan(Move("p2", N1, N3)));

        Assert.That(report.AllCompleted, Is.True);
        Assert.That(journal.FailedRewrites, Is.EqualTo(2), "the recovery's compaction was tried, and the one it owed at the plan's end");
        Assert.That(cluster.Routing.Current.Get(new PartitionId("p2")).Node, Is.EqualTo(N3));
        Assert.That(failures.GetMeasurementSnapshot().EvaluateAsCounter(), Is.EqualTo(2));
        Assert.That(logger.Collector.GetSnapshot().Count(r => r.Id.Id == 2014), Is.EqualTo(1), "the plan's compaction failed too");
        var warning = logger.Collector.GetSnapshot().Single(r => r.Id.Id == 2015);
        Assert.That(warning.Level, Is.EqualTo(LogLevel.Warning));
        Assert.That(warning.Exception, Is.InstanceOf<IOException>());
        var kept = (await journal.ReadAsync(CancellationToken.None)).Records;
        Assert.That(kept.Take(3).Select(r => r.State), Is.All.EqualTo(MoveState.Completed), "the journal keeps its old records");
        Assert.That(kept.Skip(3).Select(r => r.State).Last(), Is.EqualTo(MoveState.Completed), "and the plan's records were appended after them");
        cluster.AssertConsistent();
    }

    [Test]
    public async Task ExecuteAsync_AfterTheRecoveryBeforeAPlanFailedToCompactTheJournal_CompactsItAtTheEndOfTheNextPlan()
    {
        // The recovery's compaction failed (a full disk for a moment), so the finished records it was to drop stay. A plan
        // compacts only past 4,096 records, so they stayed until the next recovery (the next restart) or that threshold:
        // the compaction the recovery owes is made at the next plan's end.
        var cluster = Create();
        var journal = new FailingRewriteJournal(new InMemoryMoveJournal("c"));
        await FillWithFinishedRecordsAsync(journal, 3);
        journal.FailRewrites = true;
        await using var executor = cluster.Executor(journal);

        var first = await executor.ExecuteAsync(Plan(Move("p2", N1, N3)));

        Assert.That(first.AllCompleted, Is.True);
        Assert.That(journal.FailedRewrites, Is.GreaterThanOrEqualTo(1), "the recovery's compaction was tried");
        Assert.That((await journal.ReadAsync(CancellationToken.None)).Records, Has.Count.GreaterThan(3), "the journal keeps its records while rewrites fail");

        journal.FailRewrites = false;
        var second = await executor.ExecuteAsync(Plan(Move("p3", N2, N3)));

        Assert.That(second.AllCompleted, Is.True);
        Assert.That((await journal.ReadAsync(CancellationToken.None)).Records, Is.Empty, "the next plan made the compaction the recovery owed");
        cluster.AssertConsistent();
    }

    [Test]
    public async Task ExecuteAsync_WhenOnlyTheRecoverysCompactionFails_CompactsTheJournalAtTheEndOfThatPlan()
    {
        var cluster = Create();
        var journal = new FailingRewriteJournal(new InMemoryMoveJournal("c")) { FailRewritesLeft = 1 };
        await FillWithFinishedRecordsAsync(journal, 3);
        await using var executor = cluster.Executor(journal);

        var report = await executor.ExecuteAsync(Plan(Move("p2", N1, N3)));

        Assert.That(report.AllCompleted, Is.True);
        Assert.That(journal.FailedRewrites, Is.EqualTo(1), "the recovery's compaction failed");
        Assert.That((await journal.ReadAsync(CancellationToken.None)).Records, Is.Empty, "the plan's end compacted the journal");
        cluster.AssertConsistent();
    }

    [Test]
    public async Task RecoverAsync_WhenCompactingTheJournalFails_ReturnsTheRecoveryReportAndTheNextRecoveryCompacts()
    {
        var cluster = Create();
        var journal = new FailingRewriteJournal(new InMemoryMoveJournal("c"));
        await FillWithFinishedRecordsAsync(journal, 3);
        journal.FailRewrites = true;
        using var failures = new MetricCollector<long>(null, "PredictiveSharding.Execution", "psharding.journal.compaction_failures");
        await using var executor = cluster.Executor(journal);

        var recovery = await executor.RecoverAsync();

        Assert.That(recovery.Actions, Is.Empty);
        Assert.That(failures.GetMeasurementSnapshot().EvaluateAsCounter(), Is.EqualTo(1));
        Assert.That((await journal.ReadAsync(CancellationToken.None)).Records, Has.Count.EqualTo(3));

        journal.FailRewrites = false;
        await executor.RecoverAsync();

        Assert.That((await journal.ReadAsync(CancellationToken.None)).Records, Is.Empty, "the next recovery compacted the journal");
    }

    [Test]
    public async Task ExecuteAsync_WhenCancelledWhileTheRecoveryCompactsTheJournal_ThrowsTheCancellationAndStartsNothing()
    {
        var cluster = Create();
        using var cancel = new CancellationTokenSource();
        var journal = new FailingRewriteJournal(new InMemoryMoveJournal("c"))
        {
            // As a rewrite that notices the caller's cancellation part-way through: the journal keeps its old content.
            OnRewrite = token =>
            {
                cancel.Cancel();
                token.ThrowIfCancellationRequested();
            },
        };
        await FillWithFinishedRecordsAsync(journal, 3);
        using var failures = new MetricCollector<long>(null, "PredictiveSharding.Execution", "psharding.journal.compaction_failures");
        await using var executor = cluster.Executor(journal);

        Assert.That(async () => await executor.ExecuteAsync(Plan(Move("p2", N1, N3)), cancellationToken: cancel.Token), Throws.InstanceOf<OperationCanceledException>());
        Assert.That(cluster.Routing.Current.Get(new PartitionId("p2")).Node, Is.EqualTo(N1), "the plan did not start");
        Assert.That(failures.GetMeasurementSnapshot(), Is.Empty, "a cancellation is not a compaction failure");
        Assert.That((await journal.ReadAsync(CancellationToken.None)).Records, Has.Count.EqualTo(3));
        cluster.AssertConsistent();
    }

    [Test]
    public async Task ExecuteAsync_WhenTheRecoveryCannotCompactAFileJournal_RunsThePlanAndTheJournalReopensWithEveryRecord()
    {
        // The real journal: its rewrite fails when the new file cannot be created (here a directory is in its way). The
        // journal as it was must stay readable and appendable, and reopen whole.
        var directory = Directory.CreateTempSubdirectory("psharding-journal-");
        try
        {
            var cluster = Create();
            var path = Path.Combine(directory.FullName, "moves.journal");
            await using (var file = await FileMoveJournal.OpenAsync(path, "c"))
            {
                await FillWithFinishedRecordsAsync(file, 3);
            }

            Directory.CreateDirectory(path + ".rewrite");
            var options = FastOptions();
            options.JournalPath = path;
            options.ClusterId = "c";
            await using (var executor = await ShardingExecutor.CreateAsync(cluster.Routing, cluster.Store, options, cluster.Time))
            {
                var report = await executor.ExecuteAsync(Plan(Move("p2", N1, N3)));
                Assert.That(report.AllCompleted, Is.True);
            }

            await using var reopened = await FileMoveJournal.OpenAsync(path, "c");
            var contents = await reopened.ReadAsync(CancellationToken.None);
            Assert.That(contents.Repair, Is.Null);
            Assert.That(contents.Records, Has.Count.EqualTo(3 + 7), "the old records and the plan's move, start to end");
            Assert.That(contents.Records[^1].State, Is.EqualTo(MoveState.Completed));
            cluster.AssertConsistent();
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    /// <summary>Appends <paramref name="count"/> finished records: an old plan's history.</summary>
    private static async Task FillWithFinishedRecordsAsync(IMoveJournal journal, int count)
    {
        for (var i = 0; i < count; i++)
        {
            await journal.AppendAsync(FinishedRecord(i), CancellationToken.None);
        }
    }

    private static MoveJournalRecord FinishedRecord(int i) => new()
    {
        ActionId = "p0-0.a" + i.ToString(System.Globalization.CultureInfo.InvariantCulture),
        Kind = ActionKind.Split,
        State = MoveState.Completed,
        Partition = "old",
        RangeStart = "",
        Time = DateTimeOffset.UnixEpoch,
    };

    /// <summary>Appends more finished records than the executor compacts after a plan at (4096): an old plan's history.</summary>
    private static Task FillWithFinishedRecordsAsync(IMoveJournal journal) => FillWithFinishedRecordsAsync(journal, 4097);

    /// <summary>After a plan that failed at p2's cut-over: its capture is still open, and the next plan finishes p2 first.</summary>
    private static async Task AssertTheNextPlanFinishesTheInterruptedMoveFirstAsync(TestCluster cluster, ShardingExecutor executor)
    {
        Assert.That(cluster.Store.CaptureCount(N1), Is.EqualTo(1), "the interrupted move's capture is still open");

        var report = await executor.ExecuteAsync(Plan(Move("p3", N2, N3)));

        Assert.That(report.AllCompleted, Is.True);
        Assert.That(cluster.Routing.Current.Get(new PartitionId("p2")).Node, Is.EqualTo(N3), "the interrupted move was resumed and finished");
        cluster.AssertConsistent();
    }

    private sealed class FailingOnceJournal(IMoveJournal inner, MoveState failOn, Func<Exception>? error = null) : IMoveJournal
    {
        private int _failed;

        public string ClusterId => inner.ClusterId;

        public ValueTask<MoveJournalContents> ReadAsync(CancellationToken cancellationToken) => inner.ReadAsync(cancellationToken);

        public ValueTask AppendAsync(MoveJournalRecord record, CancellationToken cancellationToken)
        {
            if (record.State == failOn && Interlocked.Exchange(ref _failed, 1) == 0)
            {
                throw error?.Invoke() ?? new IOException("No space left on device");
            }

            return inner.AppendAsync(record, cancellationToken);
        }

        public ValueTask RewriteAsync(IReadOnlyList<MoveJournalRecord> records, CancellationToken cancellationToken) => inner.RewriteAsync(records, cancellationToken);
    }

    private sealed class FailingRewriteJournal(IMoveJournal inner) : IMoveJournal
    {
        public bool FailRewrites { get; set; }

        public int FailedRewrites { get; private set; }

        /// <summary>How many of the next rewrites fail (besides all of them while <see cref="FailRewrites"/> is on).</summary>
        public int FailRewritesLeft { get; set; }

        /// <summary>Runs before each rewrite (that is not failed): it may throw in its place.</summary>
        public Action<CancellationToken>? OnRewrite { get; init; }

        public string ClusterId => inner.ClusterId;

        public ValueTask<MoveJournalContents> ReadAsync(CancellationToken cancellationToken) => inner.ReadAsync(cancellationToken);

        public ValueTask AppendAsync(MoveJournalRecord record, CancellationToken cancellationToken) => inner.AppendAsync(record, cancellationToken);

        public ValueTask RewriteAsync(IReadOnlyList<MoveJournalRecord> records, CancellationToken cancellationToken)
        {
            if (FailRewrites || FailRewritesLeft > 0)
            {
                FailRewritesLeft--;
                // As FileMoveJournal fails when the new file cannot be written: the journal keeps its old content.
                FailedRewrites++;
                throw new IOException("No space left on device");
            }

            OnRewrite?.Invoke(cancellationToken);
            return inner.RewriteAsync(records, cancellationToken);
        }
    }
}
