using PredictiveSharding.Execution.Journal;
using PredictiveSharding.Keys;
using PredictiveSharding.Topology;
using static PredictiveSharding.Execution.Tests.TestCluster;

namespace PredictiveSharding.Execution.Tests.Cancellation;

public sealed class DisposeWhileRunningTests
{
    [Test]
    public async Task DisposeAsync_WhileAPlanRuns_StopsThePlanAndReturnsOnlyOnceItStopped()
    {
        // A host that shuts down disposes the executor, possibly while a plan still runs (the host's shutdown timeout ran
        // out). Disposing must stop the plan as a cancellation does and return only once it stopped: the executor must not
        // go on changing the store and the journal after DisposeAsync returned (a restarted executor may own them by then),
        // nor fail the plan with errors from its own disposed throttle, slots or journal.
        var cluster = Create();
        var options = FastOptions();
        options.CleanupGracePeriod = TimeSpan.FromSeconds(30);
        var journal = new InMemoryMoveJournal("c");
        var executor = cluster.Executor(journal, options);
        var version = cluster.Routing.Current.Version;
        var run = executor.ExecuteAsync(Plan(Move("p2", N1, N3)));
        for (var i = 0; i < 2000 && cluster.Routing.Current.Version == version; i++)
        {
            await Task.Delay(5);
        }

        Assert.That(cluster.Routing.Current.Get(new PartitionId("p2")).Node, Is.EqualTo(N3), "published; in the grace period");
        await executor.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30));
        var recordsAtDispose = journal.Records.Count;
        cluster.Time.Advance(TimeSpan.FromMinutes(1));

        Assert.That(async () => await run.WaitAsync(TimeSpan.FromSeconds(30)), Throws.InstanceOf<OperationCanceledException>());
        Assert.That(journal.Records, Has.Count.EqualTo(recordsAtDispose), "nothing was journalled after DisposeAsync returned");
        Assert.That(journal.Records[^1].State, Is.EqualTo(MoveState.CleaningUp), "the clean-up is left to recovery");
        Assert.That(cluster.Store.Dump(N1, KeyRange.FromStrings("k100", "k200")), Is.Not.Empty, "the old copy was not deleted after DisposeAsync returned");

        await using var next = cluster.Executor(journal, options);
        var recovering = next.RecoverAsync();
        cluster.Time.Advance(TimeSpan.FromSeconds(31));
        await recovering.WaitAsync(TimeSpan.FromSeconds(30));
        cluster.AssertConsistent();
    }
}
