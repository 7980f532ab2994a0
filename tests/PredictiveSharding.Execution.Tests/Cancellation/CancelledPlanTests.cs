using PredictiveSharding.Execution.Journal;
using PredictiveSharding.Topology;
using static PredictiveSharding.Execution.Tests.TestCluster;

namespace PredictiveSharding.Execution.Tests.Cancellation;

public sealed class CancelledPlanTests
{
    [Test]
    public async Task ExecuteAsync_CancelledWhenAMoveCompletes_DoesNotStartTheSplitWaitingForIt()
    {
        // Cancelling a plan stops it: an action that had not started when the cancellation came must not publish a new
        // routing version afterwards, whether it is a move or a split or merge.
        var cluster = Create();
        var journal = new InMemoryMoveJournal("c");
        await using var executor = cluster.Executor(journal);
        using var cts = new CancellationTokenSource();
        executor.ProgressChanged += (_, p) =>
        {
            if (p.Action.Kind == ActionKind.Move && p.Action.State == MoveState.Completed)
            {
                cts.Cancel();
            }
        };

        Assert.That(async () => await executor.ExecuteAsync(Plan(Move("p2", N1, N3), Split("p2", "k150", "p2a", "p2b")), cancellationToken: cts.Token), Throws.InstanceOf<OperationCanceledException>());

        var map = cluster.Routing.Current;
        Assert.That(map.Contains(new PartitionId("p2a")), Is.False, "the split was not started after the cancellation");
        Assert.That(map.Get(new PartitionId("p2")).Node, Is.EqualTo(N3), "the move published before the cancellation stands");
        Assert.That(journal.Records.Where(r => r.Kind == ActionKind.Split), Is.Empty, "nothing of the split was journalled");
        cluster.AssertConsistent();
    }

    [Test]
    public async Task ExecuteAsync_WhenCancelledAfterAMovePublished_ThrowsTheCancellationWithTheReportOfTheActionsThatEnded()
    {
        // The move published before the cancellation stands and its bytes were moved; thrown without the report, the caller
        // (the hosted loop, stopping) could meter or log none of it.
        var cluster = Create();
        await using var executor = cluster.Executor(new InMemoryMoveJournal("c"));
        using var cts = new CancellationTokenSource();
        executor.ProgressChanged += (_, p) =>
        {
            if (p.Action.Kind == ActionKind.Move && p.Action.State == MoveState.Completed)
            {
                cts.Cancel();
            }
        };

        var error = Assert.CatchAsync<OperationCanceledException>(async () => await executor.ExecuteAsync(Plan(Move("p2", N1, N3), Split("p2", "k150", "p2a", "p2b")), cancellationToken: cts.Token))!;

        Assert.That(error.CancellationToken, Is.EqualTo(cts.Token));
        Assert.That(error.Data[ExecutionReport.ExceptionDataKey], Is.InstanceOf<ExecutionReport>());
        var report = (ExecutionReport)error.Data[ExecutionReport.ExceptionDataKey]!;
        Assert.That(report.Actions.Select(a => a.Outcome), Is.EqualTo(new[] { ActionOutcome.Completed, ActionOutcome.Skipped }));
        Assert.That(report.Actions[0].BytesCopied, Is.GreaterThan(0));
    }
}
