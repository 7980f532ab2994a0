using PredictiveSharding.Execution.Journal;
using PredictiveSharding.Keys;
using PredictiveSharding.Moving;
using PredictiveSharding.Topology;
using static PredictiveSharding.Execution.Tests.TestCluster;

namespace PredictiveSharding.Execution.Tests.Resilience;

public sealed class LostFenceReplyTests
{
    [Test]
    public async Task ExecuteAsync_WhenAFenceCallFencedTheRangeButItsReplyWasLost_LeavesNoFenceAfterTheRetriedCutOver()
    {
        // The store fenced the source's range, then the call threw (a dropped connection): a transient error, retried.
        // The retry took a second fence and the executor disposed only the handle it got, so the first fence stayed and
        // held host writes to the range on the old owner for good.
        var cluster = Create();
        var mover = new FencesThenThrows(cluster.Store, failures: 1);
        await using var executor = cluster.Executor(new InMemoryMoveJournal("c"), mover: mover);

        var report = await executor.ExecuteAsync(Plan(Move("p2", N1, N3)));

        Assert.That(report.AllCompleted, Is.True);
        Assert.That(mover.Failures, Is.EqualTo(1), "the fence call failed once after fencing, and was retried");
        Assert.That(cluster.Store.FenceCount(N1), Is.Zero, "no fence is left on the old owner");
        cluster.AssertConsistent();
    }

    [Test]
    public async Task ExecuteAsync_WhenEveryFenceAttemptFencesTheRangeAndThrows_RollsBackAndLeavesTheRangeWritable()
    {
        // Every attempt fenced the range and lost its reply, until the retries ran out: the move rolls back and the source
        // stays the owner, so a fence left there would block every write to the range for good. (The node answers again
        // by the time the rollback runs.)
        var cluster = Create();
        var options = FastOptions();
        options.MaxRetryAttempts = 2;
        var mover = new FencesThenThrows(cluster.Store, failures: 3);
        await using var executor = cluster.Executor(new InMemoryMoveJournal("c"), options, mover);

        var report = await executor.ExecuteAsync(Plan(Move("p2", N1, N3)));

        Assert.That(report.Actions.Single().Outcome, Is.EqualTo(ActionOutcome.RolledBack));
        Assert.That(report.Actions.Single().Error, Is.InstanceOf<IOException>());
        Assert.That(mover.Failures, Is.EqualTo(3), "every attempt of the cut-over's fence failed");
        Assert.That(cluster.Store.FenceCount(N1), Is.Zero, "no fence is left on the owner");
        await cluster.AssertWritableAndConsistentAsync(Key(150));
    }

    [Test]
    public async Task RecoverAsync_AfterARollbackLeftPendingByAFenceItCouldNotLift_LiftsTheFence()
    {
        // The node lost the replies of the cut-over's fence calls and then of the rollback's call to lift the fence they
        // may have left: the rollback stays pending with the range fenced. Once the node answers, recovery (which knows
        // only the journalled RollingBack) must lift that fence too.
        var cluster = Create();
        var options = FastOptions();
        options.MaxRetryAttempts = 2;
        var mover = new FencesThenThrows(cluster.Store, failures: 6);
        var journal = new InMemoryMoveJournal("c");
        await using var executor = cluster.Executor(journal, options, mover);

        var report = await executor.ExecuteAsync(Plan(Move("p2", N1, N3)));

        Assert.That(report.Actions.Single().Outcome, Is.EqualTo(ActionOutcome.RollbackPending));
        Assert.That(cluster.Store.FenceCount(N1), Is.EqualTo(1), "the range is still fenced on the owner");

        var recovery = await executor.RecoverAsync();

        Assert.That(recovery.Actions.Single().Outcome, Is.EqualTo(ActionOutcome.RolledBack));
        Assert.That(cluster.Store.FenceCount(N1), Is.Zero, "recovery lifted the fence");
        cluster.AssertConsistent();
    }

    /// <summary>Fences the range on the store, then throws a transient error as if the reply had been lost, <c>failures</c> times.</summary>
    private sealed class FencesThenThrows(IDataMover inner, int failures) : DelegatingDataMover(inner)
    {
        private int _failures;

        public int Failures => Volatile.Read(ref _failures);

        public override async ValueTask<IAsyncDisposable> FenceWritesAsync(NodeId node, KeyRange range, CancellationToken cancellationToken)
        {
            var fence = await base.FenceWritesAsync(node, range, cancellationToken);
            if (Interlocked.Increment(ref _failures) <= failures)
            {
                // The handle is dropped with the reply: the caller never sees it.
                throw new IOException("Connection reset by peer");
            }

            Interlocked.Decrement(ref _failures);
            return fence;
        }
    }
}
