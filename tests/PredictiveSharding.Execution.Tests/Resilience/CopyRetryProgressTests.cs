using Microsoft.Extensions.Diagnostics.Metrics.Testing;
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
        var mover = new ChunkReadsTimeOut(cluster.Store, read => read == 2);
        var progress = new ListProgress<ExecutionProgress>();
        await using var executor = cluster.Executor(new InMemoryMoveJournal("c"), mover: mover);

        var report = await executor.ExecuteAsync(Plan(Move("p2", N1, N3)), progress);

        var action = report.Actions.Single();
        Assert.That(action.Outcome, Is.EqualTo(ActionOutcome.Completed), action.Error?.ToString());
        Assert.That(mover.Timeouts, Is.EqualTo(1), "the copy was retried");
        var bytes = cluster.Store.Dump(N3).Sum(e => (long)(e.Key.Length + e.Value.Length));
        Assert.That(action.KeysCopied, Is.EqualTo(100));
        Assert.That(action.BytesCopied, Is.EqualTo(bytes));
        Assert.That(progress.Items.Max(p => p.BytesCopied), Is.EqualTo(bytes), "the plan's progress never ran past the range");
    }

    [Test]
    public async Task ExecuteAsync_WhenACopyIsRetriedFromItsLastCheckpoint_CountsEachByteOnceOnTheMeter()
    {
        // The report counts each byte of the range once; psharding.moves.bytes_copied counted the bytes the failed attempt
        // had copied past the checkpoint again, so the two disagreed after every copy retry.
        var cluster = Create();
        var mover = new ChunkReadsTimeOut(cluster.Store, read => read == 2);
        using var bytes = new MetricCollector<long>(null, "PredictiveSharding.Execution", "psharding.moves.bytes_copied");
        await using var executor = cluster.Executor(new InMemoryMoveJournal("c"), mover: mover);

        var report = await executor.ExecuteAsync(Plan(Move("p2", N1, N3)));

        var action = report.Actions.Single();
        Assert.That(action.Outcome, Is.EqualTo(ActionOutcome.Completed), action.Error?.ToString());
        Assert.That(mover.Timeouts, Is.EqualTo(1), "the copy was retried");
        Assert.That(bytes.GetMeasurementSnapshot().EvaluateAsCounter(), Is.EqualTo(action.BytesCopied));
    }

    [Test]
    public async Task ExecuteAsync_WhenEveryTwelfthChunkReadTimesOutOnce_CompletesTheMove()
    {
        // No read fails twice in a row and every attempt passes a checkpoint (one every 8 chunks) before it fails, so each
        // retry makes progress: the copy must not give up after MaxRetryAttempts (3) failures spread over the whole copy.
        var cluster = Create();
        cluster.Reseed(100, 200, i => new string('x', 500));
        var mover = new ChunkReadsTimeOut(cluster.Store, read => read % 12 == 0);
        await using var executor = cluster.Executor(new InMemoryMoveJournal("c"), mover: mover);

        var report = await executor.ExecuteAsync(Plan(Move("p2", N1, N3)));

        var action = report.Actions.Single();
        Assert.That(action.Outcome, Is.EqualTo(ActionOutcome.Completed), action.Error?.ToString());
        Assert.That(mover.Timeouts, Is.GreaterThan(ExecutorDefaults.MaxRetryAttempts), "more failures than one budget allows");
        Assert.That(action.KeysCopied, Is.EqualTo(100));
        cluster.AssertConsistent();
    }

    [Test]
    public async Task ExecuteAsync_WhenEveryCopyAttemptFailsBeforeItsFirstCheckpoint_GivesUpAfterMaxRetryAttempts()
    {
        // Each attempt copies two chunks and fails on the third, before a checkpoint: the copy does not advance, so the
        // budget is not renewed and the move rolls back after the first attempt and MaxRetryAttempts retries.
        var cluster = Create();
        cluster.Reseed(100, 200, i => new string('x', 500));
        var mover = new ChunkReadsTimeOut(cluster.Store, read => read % 3 == 0);
        await using var executor = cluster.Executor(new InMemoryMoveJournal("c"), mover: mover);

        var report = await executor.ExecuteAsync(Plan(Move("p2", N1, N3)));

        var action = report.Actions.Single();
        Assert.That(action.Outcome, Is.EqualTo(ActionOutcome.RolledBack));
        Assert.That(action.Error, Is.InstanceOf<TimeoutException>());
        Assert.That(mover.Timeouts, Is.EqualTo(ExecutorDefaults.MaxRetryAttempts + 1));
        cluster.AssertConsistent();
    }

    /// <summary>A mover whose chunk reads time out where <paramref name="failsAtRead"/> says (given the 1-based count of reads so far).</summary>
    private sealed class ChunkReadsTimeOut(IDataMover inner, Func<int, bool> failsAtRead) : DelegatingDataMover(inner)
    {
        private int _reads;

        public int Timeouts { get; private set; }

        public override ValueTask<RangeChunk> ReadChunkAsync(NodeId node, KeyRange range, ShardKey from, int maxBytes, CancellationToken cancellationToken)
        {
            if (failsAtRead(++_reads))
            {
                Timeouts++;
                throw new TimeoutException("the source did not answer");
            }

            return base.ReadChunkAsync(node, range, from, maxBytes, cancellationToken);
        }
    }
}
