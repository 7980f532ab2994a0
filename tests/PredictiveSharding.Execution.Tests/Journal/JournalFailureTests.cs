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

    /// <summary>Appends more finished records than the executor compacts after a plan at (4096): an old plan's history.</summary>
    private static async Task FillWithFinishedRecordsAsync(IMoveJournal journal)
    {
        for (var i = 0; i < 4097; i++)
        {
            await journal.AppendAsync(new MoveJournalRecord
            {
                ActionId = "p0-0.a" + i.ToString(System.Globalization.CultureInfo.InvariantCulture),
                Kind = ActionKind.Split,
                State = MoveState.Completed,
                Partition = "old",
                RangeStart = "",
                Time = DateTimeOffset.UnixEpoch,
            }, CancellationToken.None);
        }
    }

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

        public string ClusterId => inner.ClusterId;

        public ValueTask<MoveJournalContents> ReadAsync(CancellationToken cancellationToken) => inner.ReadAsync(cancellationToken);

        public ValueTask AppendAsync(MoveJournalRecord record, CancellationToken cancellationToken) => inner.AppendAsync(record, cancellationToken);

        public ValueTask RewriteAsync(IReadOnlyList<MoveJournalRecord> records, CancellationToken cancellationToken)
        {
            if (FailRewrites)
            {
                // As FileMoveJournal fails when the new file cannot be written: the journal keeps its old content.
                FailedRewrites++;
                throw new IOException("No space left on device");
            }

            return inner.RewriteAsync(records, cancellationToken);
        }
    }
}
