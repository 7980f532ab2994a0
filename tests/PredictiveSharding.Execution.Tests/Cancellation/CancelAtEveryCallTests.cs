using PredictiveSharding.Execution.Journal;
using PredictiveSharding.Moving;
using static PredictiveSharding.Execution.Tests.TestCluster;

namespace PredictiveSharding.Execution.Tests.Cancellation;

/// <summary>
/// Cancels a plan just before each of the executor's store calls in turn, with host writes between every two calls; the
/// cancelled plan must leave no fence, every acknowledged write on its owner, and only what RecoverAsync can finish.
/// </summary>
public sealed class CancelAtEveryCallTests
{
    [Test]
    public async Task ExecuteAsync_CancelledBeforeEveryCall_LeavesAConsistentStateThatRecoveryFinishes()
    {
        var total = await RunAsync(int.MaxValue);
        Assert.That(total, Is.GreaterThan(30));
        for (var n = 1; n <= total; n++)
        {
            await RunAsync(n);
        }
    }

    private static async Task<int> RunAsync(int cancelAt)
    {
        var cluster = Create();
        var journal = new InMemoryMoveJournal("c");
        using var cts = new CancellationTokenSource();
        var writes = new InterleavingWritesMover(cluster, cancelAt, 300);
        var mover = new CancellingAt(writes, cancelAt, cts);
        await using var executor = cluster.Executor(journal, mover: mover);
        var plan = Plan(Split("p2", "k150", "p2a", "p2b"), Move("p2b", N1, N3), Move("p3", N2, N1));
        try
        {
            var report = await executor.ExecuteAsync(plan, cancellationToken: cts.Token);
            Assert.That(cancelAt, Is.GreaterThan(mover.Calls), $"cancel at {cancelAt}: a plan that completed was not cancelled");
        }
        catch (OperationCanceledException)
        {
        }

        await writes.DrainAsync();
        foreach (var node in new[] { N1, N2, N3 })
        {
            Assert.That(cluster.Store.FenceCount(node), Is.Zero, $"cancel at {cancelAt}: a fence left on {node}");
        }

        var recovery = await executor.RecoverAsync();
        Assert.That(recovery.Actions.Select(a => a.Outcome), Has.All.AnyOf(ActionOutcome.Completed, ActionOutcome.RolledBack), $"cancel at {cancelAt}");
        Assert.That(journal.Records, Is.Empty, $"cancel at {cancelAt}: nothing left unfinished");
        cluster.AssertConsistent();
        return mover.Calls;
    }

    private sealed class CancellingAt(IDataMover inner, int at, CancellationTokenSource cts) : DelegatingDataMover(inner)
    {
        public int Calls { get; private set; }

        protected override void BeforeCall(string operation)
        {
            if (++Calls == at)
            {
                cts.Cancel();
            }
        }
    }
}
