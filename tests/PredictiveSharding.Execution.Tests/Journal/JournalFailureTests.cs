using PredictiveSharding.Execution.Journal;
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
}
