using PredictiveSharding.Execution.Journal;
using PredictiveSharding.Keys;
using PredictiveSharding.Moving;
using PredictiveSharding.Topology;
using static PredictiveSharding.Execution.Tests.TestCluster;

namespace PredictiveSharding.Execution.Tests.Resilience;

public sealed class CopyRetryProgressTests
{
    [Test]
    public async Task ExecuteAsync_WhenACopyIsRetriedFromItsLastCheckpoint_ReportsEachKeyCopiedOnce()
    {
        // A transient failure reopens the copy from its last journalled chunk boundary (here the range start): the keys the
        // failed attempt copied past it are copied again, and must not be counted twice in the report and the progress.
        var cluster = Create();
        var mover = new SecondChunkTimesOut(cluster.Store);
        var progress = new ListProgress<ExecutionProgress>();
        await using var executor = cluster.Executor(new InMemoryMoveJournal("c"), mover: mover);

        var report = await executor.ExecuteAsync(Plan(Move("p2", N1, N3)), progress);

        var action = report.Actions.Single();
        Assert.That(action.Outcome, Is.EqualTo(ActionOutcome.Completed), action.Error?.ToString());
        Assert.That(mover.TimedOut, Is.True, "the copy was retried");
        var bytes = cluster.Store.Dump(N3).Sum(e => (long)(e.Key.Length + e.Value.Length));
        Assert.That(action.KeysCopied, Is.EqualTo(100));
        Assert.That(action.BytesCopied, Is.EqualTo(bytes));
        Assert.That(progress.Items.Max(p => p.BytesCopied), Is.EqualTo(bytes), "the plan's progress never ran past the range");
    }

    private sealed class SecondChunkTimesOut(IDataMover inner) : DelegatingDataMover(inner)
    {
        private int _reads;

        public bool TimedOut { get; private set; }

        public override ValueTask<RangeChunk> ReadChunkAsync(NodeId node, KeyRange range, ShardKey from, int maxBytes, CancellationToken cancellationToken)
        {
            if (++_reads == 2)
            {
                TimedOut = true;
                throw new TimeoutException("the source did not answer");
            }

            return base.ReadChunkAsync(node, range, from, maxBytes, cancellationToken);
        }
    }
}
