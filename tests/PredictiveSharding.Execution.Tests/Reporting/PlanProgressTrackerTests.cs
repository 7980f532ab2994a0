using PredictiveSharding.Execution.Reporting;
using PredictiveSharding.Topology;

namespace PredictiveSharding.Execution.Tests.Reporting;

[TestFixture]
public sealed class PlanProgressTrackerTests
{
    [Test]
    public void Report_TwoMovesAtOnce_ReachTheEventInTheOrderTheyWereCounted()
    {
        // Reports were counted under the tracker's lock but handed out after it: a move whose report was counted first
        // (finished 1) could reach the event after a second move's (finished 2), so a watcher saw the count go back.
        // Here the first report's IProgress consumer lets the second move report, and waits a little for it.
        var events = new ListProgress<ExecutionProgress>();
        using var secondDone = new ManualResetEventSlim();
        PlanProgressTracker? tracker = null;
        Thread? second = null;
        var consumer = new CallbackProgress(update =>
        {
            if (update.Action.ActionId != "a1")
            {
                return;
            }

            second = new Thread(() =>
            {
                tracker!.Report(Final("a2"));
                secondDone.Set();
            });
            second.Start();
            secondDone.Wait(TimeSpan.FromMilliseconds(300));
        });
        tracker = new PlanProgressTracker("plan", 2, 0, TimeProvider.System, consumer, events.Report);

        tracker.Report(Final("a1"));
        second!.Join();

        Assert.That(events.Items.Select(e => (e.Action.ActionId, e.ActionsFinished)), Is.EqualTo(new[] { ("a1", 1), ("a2", 2) }));
    }

    [Test]
    public void Report_ManyThreads_EveryConsumerSeesTheFinishedCountNeverGoBack()
    {
        var progress = new ListProgress<ExecutionProgress>();
        var events = new ListProgress<ExecutionProgress>();
        const int Actions = 64;
        var tracker = new PlanProgressTracker("plan", Actions, 0, TimeProvider.System, progress, events.Report);

        Parallel.For(0, Actions, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i =>
        {
            tracker.Report(Step($"a{i}", MoveState.Copying, 10));
            tracker.Report(Final($"a{i}"));
        });

        foreach (var seen in new[] { progress.Items, events.Items })
        {
            Assert.That(seen, Has.Count.EqualTo(2 * Actions));
            Assert.That(seen.Select(e => e.ActionsFinished), Is.Ordered, "the finished count never goes back");
            Assert.That(seen.Select(e => e.BytesCopied), Is.Ordered, "bytes copied never go back while no move rolls back");
            Assert.That(seen[^1].ActionsFinished, Is.EqualTo(Actions));
        }
    }

    private static MoveProgress Final(string id) => Step(id, MoveState.Completed, 10);

    private static MoveProgress Step(string id, MoveState state, long bytes) => new()
    {
        ActionId = id,
        Kind = ActionKind.Move,
        Partition = new PartitionId(id),
        State = state,
        BytesCopied = bytes,
    };

    private sealed class CallbackProgress(Action<ExecutionProgress> callback) : IProgress<ExecutionProgress>
    {
        public void Report(ExecutionProgress value) => callback(value);
    }
}
