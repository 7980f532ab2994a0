using PredictiveSharding.Execution.FaultInjection;
using PredictiveSharding.Execution.Journal;
using PredictiveSharding.Keys;
using PredictiveSharding.Moving;
using PredictiveSharding.Topology;
using static PredictiveSharding.Execution.Tests.TestCluster;

namespace PredictiveSharding.Execution.Tests.Moves;

/// <summary>
/// Recovery resumes an unpublished move from its journalled checkpoint: the copy from its last journalled chunk
/// boundary (not from scratch), and rolls back only when resuming is unsafe.
/// </summary>
public sealed class ResumeTests
{
    // p3 is [k200, +inf) on n2: 100 keys of about 200 bytes, about 20 chunks of 1 KiB.
    private const int Keys = 300;

    [Test]
    public async Task RecoverAsync_AfterACrashMidCopy_ResumesFromTheLastCheckpointAndCompletesVerified()
    {
        var fullCopyReads = await CountChunkReadsOfAFullMoveAsync();
        Assert.That(fullCopyReads, Is.GreaterThan(ExecutorDefaults.CopyCheckpointChunks * 2), "the scenario needs several checkpoints");

        var cluster = BigValueCluster();
        var journal = new InMemoryMoveJournal("c");
        var crashAtRead = fullCopyReads - 2;
        await using (var dying = cluster.Executor(journal, mover: new CountingMover(cluster.Store, crashAtChunkRead: crashAtRead)))
        {
            Assert.ThrowsAsync<SimulatedCrashException>(async () => await dying.ExecuteAsync(Plan(Move("p3", N2, N3))));
        }

        var last = (await journal.ReadAsync(CancellationToken.None)).Records[^1];
        Assert.That(last.State, Is.EqualTo(MoveState.Copying));
        Assert.That(last.CopyResumeFrom, Is.Not.Null, "a chunk boundary was journalled before the crash");

        var counting = new CountingMover(cluster.Store, crashAtChunkRead: 0);
        RecoveryReport recovery;
        await using (var next = cluster.Executor(journal, mover: counting))
        {
            recovery = await next.RecoverAsync();
        }

        var move = recovery.Actions.Single();
        Assert.Multiple(() =>
        {
            Assert.That(move.ResumedFromCheckpoint, Is.True);
            Assert.That(move.Outcome, Is.EqualTo(ActionOutcome.Completed), move.Error?.ToString());
            Assert.That(move.Verified, Is.True);
            Assert.That(move.VerifiedKeys, Is.EqualTo(100));
            Assert.That(recovery.ResumedFromCheckpoint, Is.EqualTo(1));
            Assert.That(counting.ChunkReads, Is.LessThanOrEqualTo(fullCopyReads - crashAtRead + ExecutorDefaults.CopyCheckpointChunks), "only the chunks after the last checkpoint are copied again");
            Assert.That(counting.ChunkReads, Is.LessThan(fullCopyReads / 2));
            Assert.That(counting.ChunkReads, Is.Positive);
            Assert.That(counting.CaptureStarts, Is.Zero, "the source's capture is resumed, not started again");
            Assert.That(cluster.Routing.Current.Get(new PartitionId("p3")).Node, Is.EqualTo(N3));
        });
        cluster.AssertConsistent();
    }

    [Test]
    public async Task ExecuteAsync_ThatFirstResumesACrashedMove_ReportsTheResumedMovesProgress()
    {
        var cluster = BigValueCluster();
        var journal = new InMemoryMoveJournal("c");
        await using (var dying = cluster.Executor(journal, mover: new CountingMover(cluster.Store, crashAtChunkRead: ExecutorDefaults.CopyCheckpointChunks + 4)))
        {
            Assert.ThrowsAsync<SimulatedCrashException>(async () => await dying.ExecuteAsync(Plan(Move("p3", N2, N3))));
        }

        var progress = new ListProgress<ExecutionProgress>();
        var raised = new ListProgress<ExecutionProgress>();
        await using (var next = cluster.Executor(journal))
        {
            next.ProgressChanged += (_, p) => raised.Report(p);
            var report = await next.ExecuteAsync(Plan(Split("p1", "k050", "p1a", "p1b")), progress);
            Assert.That(report.AllCompleted, Is.True);
        }

        var resumed = progress.Items.Where(p => p.PlanId == "recovery").ToList();
        Assert.That(resumed, Is.Not.Empty, "the resumed move's copy is progress a health check must see");
        Assert.That(resumed.Select(p => p.Action.State), Does.Contain(MoveState.Copying).And.Contain(MoveState.Completed));
        Assert.That(resumed[^1].Action.BytesCopied, Is.Positive);
        Assert.That(raised.Items.Count(p => p.PlanId == "recovery"), Is.EqualTo(resumed.Count), "the event sees what the IProgress sees");
        Assert.That(cluster.Routing.Current.Get(new PartitionId("p3")).Node, Is.EqualTo(N3));
        cluster.AssertConsistent();
    }

    [Test]
    public async Task RecoverAsync_WhenTheSourceLostTheCapture_RollsBackInstead()
    {
        var cluster = BigValueCluster();
        var journal = new InMemoryMoveJournal("c");
        await using (var dying = cluster.Executor(journal, mover: new CountingMover(cluster.Store, crashAtChunkRead: 5)))
        {
            Assert.ThrowsAsync<SimulatedCrashException>(async () => await dying.ExecuteAsync(Plan(Move("p3", N2, N3))));
        }

        // The source restarted without the capture (e.g. an engine that keeps captures in memory only).
        var actionId = (await journal.ReadAsync(CancellationToken.None)).Records[^1].ActionId;
        await cluster.Store.StopChangeCaptureAsync(N2, actionId, CancellationToken.None);

        RecoveryReport recovery;
        await using (var next = cluster.Executor(journal))
        {
            recovery = await next.RecoverAsync();
        }

        var move = recovery.Actions.Single();
        Assert.Multiple(() =>
        {
            Assert.That(move.ResumedFromCheckpoint, Is.False);
            Assert.That(move.Outcome, Is.EqualTo(ActionOutcome.RolledBack));
            Assert.That(move.Error?.Message, Does.Contain("lost the move's change capture"));
            Assert.That(cluster.Store.Dump(N3), Is.Empty, "the partial target copy is removed");
            Assert.That(cluster.Routing.Current.Get(new PartitionId("p3")).Node, Is.EqualTo(N2));
        });
        cluster.AssertConsistent();
    }

    [Test]
    public async Task ExecuteAsync_WhenTheSourceOfACrashedMoveCannotBeReached_RunsThePlanOnOtherRangesAndRecoversTheMoveLater()
    {
        // The crashed move of p3 cannot be resumed or undone while n2 is unreachable; a plan on other ranges must still
        // run (recovery leaves p3 pending), as it does when a pending clean-up or undo keeps failing.
        var cluster = BigValueCluster();
        var journal = new InMemoryMoveJournal("c");
        await using (var dying = cluster.Executor(journal, mover: new CountingMover(cluster.Store, crashAtChunkRead: 5)))
        {
            Assert.ThrowsAsync<SimulatedCrashException>(async () => await dying.ExecuteAsync(Plan(Move("p3", N2, N3))));
        }

        var mover = new UnreachableNodeMover(cluster.Store, N2) { Unreachable = true };
        await using var next = cluster.Executor(journal, mover: mover);
        var report = await next.ExecuteAsync(Plan(Move("p1", N1, N3)));

        Assert.That(report.Actions.Single().Outcome, Is.EqualTo(ActionOutcome.Completed));
        Assert.That(cluster.Routing.Current.Get(new PartitionId("p1")).Node, Is.EqualTo(N3));
        Assert.That(cluster.Routing.Current.Get(new PartitionId("p3")).Node, Is.EqualTo(N2));

        mover.Unreachable = false;
        var recovery = await next.RecoverAsync();
        Assert.That(recovery.Actions.Single().Outcome, Is.EqualTo(ActionOutcome.RolledBack), "the move was rolled back, so its undo is finished");
        Assert.That(journal.Records, Is.Empty);
        cluster.AssertConsistent();
    }

    private static TestCluster BigValueCluster()
    {
        var cluster = Create(Keys);
        cluster.Reseed(200, Keys, i => i.ToString(System.Globalization.CultureInfo.InvariantCulture).PadRight(200, 'v'));
        return cluster;
    }

    private static async Task<int> CountChunkReadsOfAFullMoveAsync()
    {
        var cluster = BigValueCluster();
        var counting = new CountingMover(cluster.Store, crashAtChunkRead: 0);
        await using var executor = cluster.Executor(new InMemoryMoveJournal("c"), mover: counting);
        var report = await executor.ExecuteAsync(Plan(Move("p3", N2, N3)));
        Assert.That(report.AllCompleted, Is.True);
        return counting.ChunkReads;
    }

    /// <summary>A mover to which <paramref name="node"/> does not answer capture calls while <see cref="Unreachable"/> is set.</summary>
    private sealed class UnreachableNodeMover(IDataMover inner, NodeId node) : DelegatingDataMover(inner)
    {
        public bool Unreachable { get; set; }

        public override ValueTask<ChangeCapture?> ResumeChangeCaptureAsync(NodeId n, string captureId, CancellationToken cancellationToken) =>
            Unreachable && n == node ? throw new InvalidOperationException($"node '{n}' is unreachable") : base.ResumeChangeCaptureAsync(n, captureId, cancellationToken);

        public override ValueTask StopChangeCaptureAsync(NodeId n, string captureId, CancellationToken cancellationToken) =>
            Unreachable && n == node ? throw new InvalidOperationException($"node '{n}' is unreachable") : base.StopChangeCaptureAsync(n, captureId, cancellationToken);
    }

    /// <summary>Counts chunk reads and capture starts; "kills" the executor at the given chunk read (0: never).</summary>
    private sealed class CountingMover(IDataMover inner, int crashAtChunkRead) : DelegatingDataMover(inner)
    {
        public int ChunkReads { get; private set; }

        public int CaptureStarts { get; private set; }

        public override ValueTask<ChangeCapture> StartChangeCaptureAsync(NodeId node, KeyRange range, string captureId, CancellationToken cancellationToken)
        {
            CaptureStarts++;
            return base.StartChangeCaptureAsync(node, range, captureId, cancellationToken);
        }

        public override ValueTask<RangeChunk> ReadChunkAsync(NodeId node, KeyRange range, ShardKey from, int maxBytes, CancellationToken cancellationToken)
        {
            if (++ChunkReads == crashAtChunkRead)
            {
                throw new SimulatedCrashException("Simulated crash at a chunk read.");
            }

            return base.ReadChunkAsync(node, range, from, maxBytes, cancellationToken);
        }
    }
}
