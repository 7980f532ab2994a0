using PredictiveSharding.Execution.Journal;
using PredictiveSharding.Keys;
using PredictiveSharding.Routing;
using PredictiveSharding.Topology;
using static PredictiveSharding.Execution.Tests.TestCluster;

namespace PredictiveSharding.Execution.Tests.Cancellation;

public sealed class CleanUpOwnershipTests
{
    [Test]
    public async Task ExecuteAsync_WhenRoutingGivesTheRangeBackToTheOldOwnerDuringTheGracePeriod_DoesNotDeleteIt()
    {
        // The move publishes p2 on n3 and waits out the grace period before deleting n1's copy. Meanwhile the host gives
        // p2 back to n1 (its own routing change; n1 still holds every key). The clean-up must not delete what n1 now serves.
        var cluster = Create();
        var options = FastOptions();
        options.CleanupGracePeriod = TimeSpan.FromSeconds(30);
        await using var executor = cluster.Executor(new InMemoryMoveJournal("c"), options);
        var range = KeyRange.FromStrings("k100", "k200");
        var before = cluster.Store.Dump(N1, range).Count;

        var version = cluster.Routing.Current.Version;
        var run = executor.ExecuteAsync(Plan(Move("p2", N1, N3)));
        for (var i = 0; i < 2000 && cluster.Routing.Current.Version == version; i++)
        {
            await Task.Delay(5);
        }

        Assert.That(cluster.Routing.Current.Get(new PartitionId("p2")).Node, Is.EqualTo(N3), "published; the clean-up now waits");
        cluster.Routing.Apply(new MoveChange(new PartitionId("p2"), N1));
        var report = await cluster.RunOnTheClockAsync(run);

        Assert.Multiple(() =>
        {
            Assert.That(before, Is.Positive);
            Assert.That(cluster.Store.Dump(N1, range), Has.Count.EqualTo(before), "n1 serves p2 again: nothing of it is deleted");
            Assert.That(report.AllCompleted, Is.False, "the clean-up stops and says why");
            Assert.That(report.Actions.Single().Error?.Message, Does.Contain("'n1'").And.Contain("not deleted"));
        });
    }
}
