using PredictiveSharding.Execution.FaultInjection;
using PredictiveSharding.Execution.Journal;
using PredictiveSharding.Keys;
using PredictiveSharding.Moving;
using PredictiveSharding.TestKit.Moving;
using PredictiveSharding.Topology;
using static PredictiveSharding.Execution.Tests.TestCluster;

namespace PredictiveSharding.Execution.Tests.Moves;

/// <summary>
/// A fence the crashed executor left on the source, in a store whose fences outlive the client that took them (a call
/// that fenced the range and died with its reply, or a cut-over that published and died before lifting its fence), and
/// what recovery does with it whether it resumes the move, rolls it back or carries it forward.
/// </summary>
public sealed class StrayFenceRecoveryTests
{
    [Test]
    public async Task RecoverAsync_ResumingAMoveWhoseCutOverCrashedFenced_LiftsTheFenceBeforeCatchingUp()
    {
        // The resumed move catches up and verifies again before it fences anew. With the crashed run's fence still on,
        // every host write to the range waited for all of that (a throttled verification of a large range: minutes).
        var cluster = Create();
        var journal = new InMemoryMoveJournal("c");
        await CrashWithTheRangeFencedAsync(cluster, journal);
        var watcher = new FenceWatcher(cluster.Store);
        await using var executor = cluster.Executor(journal, mover: watcher);

        var recovery = await executor.RecoverAsync();

        Assert.That(recovery.Actions.Single().Outcome, Is.EqualTo(ActionOutcome.Completed));
        Assert.That(recovery.Actions.Single().ResumedFromCheckpoint, Is.True);
        Assert.That(watcher.FencesAtFirstCatchUp, Is.Zero, "the crashed run's fence was lifted before the resumed catch-up");
        cluster.AssertConsistent();
    }

    [Test]
    public async Task RecoverAsync_AfterASecondCrashDuringTheResumedCatchUp_RollingBack_LeavesTheRangeWritable()
    {
        // The first recovery resumed the move (journalling CatchingUp over the CuttingOver that told of a possible fence)
        // and crashed in turn. The second knows only CatchingUp: rolling back, it did not lift the first crash's fence,
        // and host writes to the range, which the source still owns, waited for good.
        var cluster = Create();
        var journal = new InMemoryMoveJournal("c");
        await CrashWithTheRangeFencedAsync(cluster, journal);
        await using (var second = cluster.Executor(journal, mover: new DiesAtCatchUp(cluster.Store)))
        {
            Assert.That(async () => await second.RecoverAsync(), Throws.InstanceOf<SimulatedCrashException>());
        }

        var options = FastOptions();
        options.ResumeInterruptedMoves = false;
        await using var third = cluster.Executor(journal, options);

        var recovery = await third.RecoverAsync();

        Assert.That(recovery.Actions.Single().Outcome, Is.EqualTo(ActionOutcome.RolledBack));
        Assert.That(cluster.Store.FenceCount(N1), Is.Zero, "no fence is left on the owner");
        await cluster.AssertWritableAndConsistentAsync(Key(150));
    }

    [Test]
    public async Task RecoverAsync_AfterACrashBetweenThePublishAndLiftingTheFence_LiftsItAsItFinishesTheCleanUp()
    {
        // The cut-over published the new owner and the executor died before lifting its fence on the old one. Recovery
        // carries the move forward (clean-up) and left the fence: writes routed to the old owner with the old map waited
        // for good, and once a later plan moved the range back there, every host write to it did.
        var cluster = Create();
        var journal = new InMemoryMoveJournal("c");
        await using (var crashed = cluster.Executor(journal, mover: new DiesLiftingTheFence(cluster.Store)))
        {
            Assert.That(async () => await crashed.ExecuteAsync(Plan(Move("p2", N1, N3))), Throws.InstanceOf<SimulatedCrashException>());
        }

        Assert.That(cluster.Routing.Current.Get(new PartitionId("p2")).Node, Is.EqualTo(N3), "the crash came after the publish");
        Assert.That(cluster.Store.FenceCount(N1), Is.EqualTo(1), "the fence outlived the executor");
        await using var executor = cluster.Executor(journal);

        var recovery = await executor.RecoverAsync();

        Assert.That(recovery.Actions.Single().Outcome, Is.EqualTo(ActionOutcome.Completed));
        Assert.That(cluster.Store.FenceCount(N1), Is.Zero, "the old owner's fence was lifted");
        var back = await executor.ExecuteAsync(Plan(Move("p2", N3, N1)));
        Assert.That(back.AllCompleted, Is.True);
        await cluster.AssertWritableAndConsistentAsync(Key(150));
    }

    [Test]
    public async Task RecoverAsync_WhenTheStrayFenceCannotBeLiftedBeforeResuming_RollsBackAndTheNextRecoveryLiftsIt()
    {
        // The source does not answer the call that would lift the fence: the move is not resumed under it; the rollback
        // is left pending (journalled RollingBack, which tells the next recovery of the fence) until the node answers.
        var cluster = Create();
        var journal = new InMemoryMoveJournal("c");
        await CrashWithTheRangeFencedAsync(cluster, journal);
        var options = FastOptions();
        options.MaxRetryAttempts = 0;
        var failing = new FenceCallsFail(cluster.Store);
        await using var executor = cluster.Executor(journal, options, failing);

        var first = await executor.RecoverAsync();

        Assert.That(first.Actions.Single().Outcome, Is.EqualTo(ActionOutcome.RollbackPending));
        Assert.That(cluster.Store.FenceCount(N1), Is.EqualTo(1));

        failing.Fail = false;
        var second = await executor.RecoverAsync();

        Assert.That(second.Actions.Single().Outcome, Is.EqualTo(ActionOutcome.RolledBack));
        Assert.That(cluster.Store.FenceCount(N1), Is.Zero, "the fence was lifted");
        cluster.AssertConsistent();
    }

    [Test]
    public async Task RecoverAsync_WhenTheOldOwnersStrayFenceCannotBeLifted_LeavesTheCleanUpPendingAndTheNextRecoveryLiftsIt()
    {
        var cluster = Create();
        var journal = new InMemoryMoveJournal("c");
        await using (var crashed = cluster.Executor(journal, mover: new DiesLiftingTheFence(cluster.Store)))
        {
            Assert.That(async () => await crashed.ExecuteAsync(Plan(Move("p2", N1, N3))), Throws.InstanceOf<SimulatedCrashException>());
        }

        var options = FastOptions();
        options.MaxRetryAttempts = 0;
        var failing = new FenceCallsFail(cluster.Store);
        await using var executor = cluster.Executor(journal, options, failing);

        var first = await executor.RecoverAsync();

        Assert.That(first.Actions.Single().Outcome, Is.EqualTo(ActionOutcome.CleanupPending));
        Assert.That(first.Actions.Single().Error, Is.InstanceOf<IOException>());
        Assert.That((await journal.ReadAsync(CancellationToken.None)).Records[^1].State, Is.EqualTo(MoveState.CuttingOver), "the record that tells of the fence is still the last");
        Assert.That(cluster.Store.FenceCount(N1), Is.EqualTo(1));

        failing.Fail = false;
        var second = await executor.RecoverAsync();

        Assert.That(second.Actions.Single().Outcome, Is.EqualTo(ActionOutcome.Completed));
        Assert.That(cluster.Store.FenceCount(N1), Is.Zero, "the fence was lifted");
        cluster.AssertConsistent();
    }

    /// <summary>Runs a move of p2 from n1 to n3 whose cut-over fences the range and dies with the fence call's reply.</summary>
    private static async Task CrashWithTheRangeFencedAsync(TestCluster cluster, InMemoryMoveJournal journal)
    {
        await using (var crashed = cluster.Executor(journal, mover: new DiesFencing(cluster.Store)))
        {
            Assert.That(async () => await crashed.ExecuteAsync(Plan(Move("p2", N1, N3))), Throws.InstanceOf<SimulatedCrashException>());
        }

        var last = (await journal.ReadAsync(CancellationToken.None)).Records[^1];
        Assert.That(last.State, Is.EqualTo(MoveState.CuttingOver), "the crash came in the cut-over");
        Assert.That(cluster.Store.FenceCount(N1), Is.EqualTo(1), "the fence outlived the executor");
        Assert.That(cluster.Routing.Current.Get(new PartitionId("p2")).Node, Is.EqualTo(N1), "nothing was published");
    }

    /// <summary>Fences the range on the store, then "dies" with the reply: the fence stays, no one holds a handle to it.</summary>
    private sealed class DiesFencing(IDataMover inner) : DelegatingDataMover(inner)
    {
        public override async ValueTask<IAsyncDisposable> FenceWritesAsync(NodeId node, KeyRange range, CancellationToken cancellationToken)
        {
            await base.FenceWritesAsync(node, range, cancellationToken);
            throw new SimulatedCrashException("Simulated crash after the store fenced the range.");
        }
    }

    /// <summary>Hands out fences whose release "dies" before it reaches the store: the fence outlives the executor.</summary>
    private sealed class DiesLiftingTheFence(IDataMover inner) : DelegatingDataMover(inner)
    {
        public override async ValueTask<IAsyncDisposable> FenceWritesAsync(NodeId node, KeyRange range, CancellationToken cancellationToken)
        {
            await base.FenceWritesAsync(node, range, cancellationToken);
            return new Dying();
        }

        private sealed class Dying : IAsyncDisposable
        {
            public ValueTask DisposeAsync() => throw new SimulatedCrashException("Simulated crash before the fence was lifted.");
        }
    }

    /// <summary>Dies at the first read of the change feed (a resumed move's catch-up).</summary>
    private sealed class DiesAtCatchUp(IDataMover inner) : DelegatingDataMover(inner)
    {
        public override ValueTask<IReadOnlyList<ChangeRecord>> ReadChangesAsync(ChangeCapture capture, long fromSequence, int maxChanges, CancellationToken cancellationToken) =>
            throw new SimulatedCrashException("Simulated crash in the resumed catch-up.");
    }

    /// <summary>Counts the fences on n1 when the change feed is first read.</summary>
    private sealed class FenceWatcher(InMemoryDataMover store) : DelegatingDataMover(store)
    {
        public int? FencesAtFirstCatchUp { get; private set; }

        public override ValueTask<IReadOnlyList<ChangeRecord>> ReadChangesAsync(ChangeCapture capture, long fromSequence, int maxChanges, CancellationToken cancellationToken)
        {
            FencesAtFirstCatchUp ??= store.FenceCount(N1);
            return base.ReadChangesAsync(capture, fromSequence, maxChanges, cancellationToken);
        }
    }

    /// <summary>Every fence call fails with a transient error while <see cref="Fail"/> is set.</summary>
    private sealed class FenceCallsFail(IDataMover inner) : DelegatingDataMover(inner)
    {
        public bool Fail { get; set; } = true;

        public override ValueTask<IAsyncDisposable> FenceWritesAsync(NodeId node, KeyRange range, CancellationToken cancellationToken) =>
            Fail ? throw new IOException("Connection reset by peer") : base.FenceWritesAsync(node, range, cancellationToken);
    }
}
