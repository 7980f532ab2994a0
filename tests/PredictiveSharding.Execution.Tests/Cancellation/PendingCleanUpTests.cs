using PredictiveSharding.Execution.Journal;
using PredictiveSharding.Keys;
using PredictiveSharding.Moving;
using PredictiveSharding.Topology;
using static PredictiveSharding.Execution.Tests.TestCluster;

namespace PredictiveSharding.Execution.Tests.Cancellation;

public sealed class PendingCleanUpTests
{
    [Test]
    public async Task ExecuteAsync_AfterAPlanCancelledInTheGracePeriod_DeletesTheOldCopyBeforeTheRangeMovesOn()
    {
        // Plan 1 publishes p2 on n3 and is cancelled in the grace period: n1's old copy is left for recovery to delete.
        // If the same executor's next plan moves p2 on (n3 -> n2) first, that recovery finds neither n1 nor n3 named and
        // can only roll the old move back, which never deletes n1's copy: stale keys stay on n1 for good.
        var cluster = Create();
        var options = FastOptions();
        options.CleanupGracePeriod = TimeSpan.FromSeconds(30);
        var journal = new InMemoryMoveJournal("c");
        await using var executor = cluster.Executor(journal, options);

        using (var cts = new CancellationTokenSource())
        {
            var version = cluster.Routing.Current.Version;
            var first = executor.ExecuteAsync(Plan(Move("p2", N1, N3)), cancellationToken: cts.Token);
            for (var i = 0; i < 2000 && cluster.Routing.Current.Version == version; i++)
            {
                await Task.Delay(5);
            }

            await cts.CancelAsync();
            Assert.That(async () => await first, Throws.InstanceOf<OperationCanceledException>());
        }

        Assert.That(cluster.Store.Dump(N1, KeyRange.FromStrings("k100", "k200")), Is.Not.Empty, "n1's copy waits for the grace period");

        var report = await cluster.RunOnTheClockAsync(executor.ExecuteAsync(Plan(Move("p2", N3, N2))));
        Assert.That(report.AllCompleted, Is.True);
        Assert.That(cluster.Routing.Current.Get(new PartitionId("p2")).Node, Is.EqualTo(N2));

        await executor.RecoverAsync();
        Assert.That(journal.Records, Is.Empty);
        cluster.AssertConsistent();
    }

    [Test]
    public async Task ExecuteAsync_WhenTheRecoveryItRunsFirstLeavesTheCleanUpPending_SkipsActionsOnThatRangeAndRunsTheOthers()
    {
        // Plan 1 publishes p2 on n3, but n1 refuses to delete its old copy: CleanupPending. Plan 2's recovery fails the same
        // way; if plan 2 then moved p2 on (n3 -> n2), a later recovery could only roll move 1 back, and n1's copy would stay.
        var cluster = Create();
        var mover = new RefusesDeletesOn(cluster.Store, N1) { Refusing = true };
        var journal = new InMemoryMoveJournal("c");
        await using var executor = cluster.Executor(journal, mover: mover);
        var range = KeyRange.FromStrings("k100", "k200");

        var first = (await executor.ExecuteAsync(Plan(Move("p2", N1, N3)))).Actions.Single();
        Assert.That(first.Outcome, Is.EqualTo(ActionOutcome.CleanupPending));

        var second = await executor.ExecuteAsync(Plan(Move("p2", N3, N2), Move("p3", N2, N3)));

        var blocked = second.Actions.Single(a => a.Partition.Value == "p2");
        Assert.That(blocked.Outcome, Is.EqualTo(ActionOutcome.Skipped));
        Assert.That(blocked.Error, Is.InstanceOf<InvalidOperationException>());
        Assert.That(blocked.Error!.Message, Does.Contain(first.ActionId));
        Assert.That(second.Actions.Single(a => a.Partition.Value == "p3").Outcome, Is.EqualTo(ActionOutcome.Completed), "an action on another range runs");
        Assert.That(cluster.Routing.Current.Get(new PartitionId("p2")).Node, Is.EqualTo(N3));

        mover.Refusing = false;
        var recovery = await executor.RecoverAsync();
        Assert.That(recovery.Actions.Single().Outcome, Is.EqualTo(ActionOutcome.Completed));
        Assert.That(cluster.Store.Dump(N1, range), Is.Empty, "n1's old copy is deleted");

        var third = await executor.ExecuteAsync(Plan(Move("p2", N3, N2)));
        Assert.That(third.AllCompleted, Is.True);
        cluster.AssertConsistent();
    }

    private sealed class RefusesDeletesOn(IDataMover inner, NodeId node) : DelegatingDataMover(inner)
    {
        public bool Refusing { get; set; }

        public override ValueTask DeleteRangeAsync(NodeId n, KeyRange range, CancellationToken cancellationToken) =>
            Refusing && n == node
                ? throw new InvalidOperationException($"node '{n}' is read-only for maintenance")
                : base.DeleteRangeAsync(n, range, cancellationToken);
    }
}
