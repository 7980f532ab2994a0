using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using PredictiveSharding.Execution.Journal;
using PredictiveSharding.TestKit;
using PredictiveSharding.Topology;
using static PredictiveSharding.Execution.Tests.TestCluster;

namespace PredictiveSharding.Execution.Tests.Reporting;

/// <summary>A progress consumer that throws is the caller's bug, but it must not undo or stop the moves it watches.</summary>
public sealed class ProgressConsumerFailureTests
{
    [TestCase(MoveState.Copying)]
    [TestCase(MoveState.CuttingOver)]
    [TestCase(MoveState.CleaningUp)]
    public async Task ExecuteAsync_WhenAProgressChangedHandlerThrows_CompletesTheMoveAndLogsTheHandlersError(MoveState throwAt)
    {
        // A handler's exception reached the move: thrown from a copy step's report it rolled the move back (its copy
        // deleted); from a state's first report, outside any step, it stopped the move there and failed the whole plan
        // with the handler's exception, leaving the move to the next recovery.
        var cluster = Create();
        var logger = new FakeLogger<ShardingExecutor>();
        await using var executor = new ShardingExecutor(cluster.Routing, cluster.Store, new InMemoryMoveJournal("c"), FastOptions(), cluster.Time, logger);
        var thrown = 0;
        executor.ProgressChanged += (_, p) =>
        {
            if (p.Action.State == throwAt && Interlocked.Exchange(ref thrown, 1) == 0)
            {
                throw new InvalidOperationException("the dashboard is gone");
            }
        };

        var report = await executor.ExecuteAsync(Plan(Move("p2", N1, N3)));

        Assert.That(thrown, Is.EqualTo(1), "the handler threw");
        Assert.That(report.AllCompleted, Is.True);
        Assert.That(cluster.Routing.Current.Get(new PartitionId("p2")).Node, Is.EqualTo(N3));
        var warning = logger.Collector.GetSnapshot().Single(r => r.Id.Id == 2017);
        Assert.That(warning.Level, Is.EqualTo(LogLevel.Warning));
        Assert.That(warning.Exception, Is.InstanceOf<InvalidOperationException>());
        cluster.AssertConsistent();
    }

    [Test]
    public async Task ExecuteAsync_WhenTheProgressGivenToTheCallThrows_CompletesThePlan()
    {
        var cluster = Create();
        await using var executor = cluster.Executor(new InMemoryMoveJournal("c"));
        var reports = 0;
        var progress = new SynchronousProgress<ExecutionProgress>(_ =>
        {
            reports++;
            throw new InvalidOperationException("the consumer failed");
        });

        var report = await executor.ExecuteAsync(Plan(Split("p2", "k150", "p2a", "p2b"), Move("p2b", N1, N3)), progress);

        Assert.That(report.AllCompleted, Is.True);
        Assert.That(reports, Is.GreaterThan(2), "every report still went to the consumer");
        cluster.AssertConsistent();
    }
}
