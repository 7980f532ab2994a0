using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using PredictiveSharding.Execution.Journal;
using PredictiveSharding.Keys;
using PredictiveSharding.Moving;
using PredictiveSharding.Topology;
using static PredictiveSharding.Execution.Tests.TestCluster;

namespace PredictiveSharding.Execution.Tests.Resilience;

/// <summary>Disposing a fence handle is a store call too: when it fails, the fence is still on.</summary>
public sealed class FenceReleaseFailureTests
{
    [Test]
    public async Task ExecuteAsync_WhenLiftingTheFenceAfterThePublishFails_LiftsItAnywayAndCountsTheMoveCompleted()
    {
        // The publish went through, then lifting the fence on the old owner failed (a dropped connection). The move went
        // on through the rollback path to its clean-up and left the fence: writes routed to the old owner with the old
        // map waited at it for good (and all host writes to the range, once a later plan moved it back), and the move
        // was not counted completed nor its publish logged.
        var cluster = Create();
        var mover = new FenceReleaseFailsOnce(cluster.Store);
        using var completed = new MetricCollector<long>(null, "PredictiveSharding.Execution", "psharding.moves.completed");
        await using var executor = cluster.Executor(new InMemoryMoveJournal("c"), mover: mover);

        var report = await executor.ExecuteAsync(Plan(Move("p2", N1, N3)));

        Assert.That(report.AllCompleted, Is.True);
        Assert.That(mover.FailedReleases, Is.EqualTo(1), "the release failed once");
        Assert.That(cluster.Routing.Current.Get(new PartitionId("p2")).Node, Is.EqualTo(N3));
        Assert.That(cluster.Store.FenceCount(N1), Is.Zero, "no fence is left on the old owner");
        Assert.That(completed.GetMeasurementSnapshot().EvaluateAsCounter(), Is.EqualTo(1), "the published move is counted completed");
        var back = await executor.ExecuteAsync(Plan(Move("p2", N3, N1)));
        Assert.That(back.AllCompleted, Is.True);
        await cluster.AssertWritableAndConsistentAsync(Key(150));
    }

    [Test]
    public async Task ExecuteAsync_WhenLiftingTheFenceAfterThePublishFails_CountsThatFenceInTheFenceStatistics()
    {
        // The fence held the range's writes for the whole cut-over whether or not its release then failed; it was left out
        // of the report's and the executor's fence statistics and of psharding.moves.fence_duration.
        var cluster = Create();
        var mover = new FenceReleaseFailsOnce(cluster.Store);
        using var durations = new MetricCollector<double>(null, "PredictiveSharding.Execution", "psharding.moves.fence_duration");
        await using var executor = cluster.Executor(new InMemoryMoveJournal("c"), mover: mover);

        var report = await executor.ExecuteAsync(Plan(Move("p2", N1, N3)));

        Assert.That(mover.FailedReleases, Is.EqualTo(1), "the release failed once");
        Assert.That(report.Actions.Single().FenceDuration, Is.Not.Null);
        Assert.That(report.Fences.Count, Is.EqualTo(1));
        Assert.That(executor.FenceStatistics.Count, Is.EqualTo(1));
        Assert.That(durations.GetMeasurementSnapshot(), Has.Count.EqualTo(1));
    }

    [Test]
    public async Task ExecuteAsync_WhenLiftingTheFenceOfATimedOutCutOverFails_RollsBackAndLeavesTheRangeWritable()
    {
        // The cut-over's drain outlasted the fence timeout; lifting the fence then failed, and the move rolled back with
        // the source still the owner and its range fenced: every host write to it waited for good.
        var cluster = Create();
        var options = FastOptions();
        options.FenceTimeout = TimeSpan.FromSeconds(5);
        var mover = new FenceReleaseFailsOnce(cluster.Store) { StallFencedDrain = true };
        await using var executor = cluster.Executor(new InMemoryMoveJournal("c"), options, mover);

        var report = await cluster.RunOnTheClockAsync(executor.ExecuteAsync(Plan(Move("p2", N1, N3))));

        Assert.That(report.Actions.Single().Outcome, Is.EqualTo(ActionOutcome.RolledBack));
        Assert.That(report.Actions.Single().Error, Is.InstanceOf<IOException>());
        Assert.That(mover.FailedReleases, Is.EqualTo(1), "the release failed once");
        Assert.That(cluster.Store.FenceCount(N1), Is.Zero, "no fence is left on the owner");
        await cluster.AssertWritableAndConsistentAsync(Key(150));
    }

    [Test]
    public async Task ExecuteAsync_WhenAMoveFailsHoldingTheFenceAndLiftingItFailsToo_ThrowsTheMovesErrorAndLogsTheRelease()
    {
        // The fenced drain failed, and so did journalling the rollback (a full disk): the move's run ended with that error
        // while holding the fence, and lifting the fence on the way out failed too. The lift's error replaced the
        // journal's, so the plan failed with "Connection reset by peer" and the disk that ran full was never named.
        var cluster = Create();
        var mover = new FenceReleaseFailsOnce(cluster.Store) { FailFencedDrain = true };
        var journal = new RollbackAppendFails(new InMemoryMoveJournal("c"));
        var logger = new FakeLogger<ShardingExecutor>();
        await using var executor = new ShardingExecutor(cluster.Routing, mover, journal, FastOptions(), cluster.Time, logger);

        Assert.That(async () => await executor.ExecuteAsync(Plan(Move("p2", N1, N3))), Throws.InstanceOf<IOException>().With.Message.Contains("No space left"));

        Assert.That(mover.FailedReleases, Is.EqualTo(1), "the release failed");
        var logged = logger.Collector.GetSnapshot().Single(r => r.Id.Id == 2018);
        Assert.That(logged.Level, Is.EqualTo(LogLevel.Warning));
        Assert.That(logged.Exception, Is.InstanceOf<IOException>().With.Message.Contains("Connection reset"));
        Assert.That(logged.Message, Does.Contain("n1"));

        // The journal still says CuttingOver: the next plan's recovery lifts the fence and resumes the move.
        mover.FailFencedDrain = false;
        var next = await executor.ExecuteAsync(Plan(Move("p3", N2, N3)));
        Assert.That(next.AllCompleted, Is.True);
        Assert.That(cluster.Store.FenceCount(N1), Is.Zero, "no fence is left on the source");
        Assert.That(cluster.Routing.Current.Get(new PartitionId("p2")).Node, Is.EqualTo(N3), "the interrupted move was resumed and finished");
        cluster.AssertConsistent();
    }

    /// <summary>
    /// The first fence handle's disposal fails without lifting the fence (the store's reply lost before it acted). With
    /// <see cref="StallFencedDrain"/>, the change feed read under that fence waits until the cut-over gives up.
    /// </summary>
    private sealed class FenceReleaseFailsOnce(IDataMover inner) : DelegatingDataMover(inner)
    {
        private int _fences;
        private int _failedReleases;
        private volatile bool _fenced;

        public bool StallFencedDrain { get; init; }

        /// <summary>The change feed read under the fence fails (not transiently).</summary>
        public bool FailFencedDrain { get; set; }

        public int FailedReleases => Volatile.Read(ref _failedReleases);

        public override async ValueTask<IAsyncDisposable> FenceWritesAsync(NodeId node, KeyRange range, CancellationToken cancellationToken)
        {
            var fence = await base.FenceWritesAsync(node, range, cancellationToken);
            if (Interlocked.Increment(ref _fences) > 1)
            {
                return fence;
            }

            _fenced = true;
            return new FailingRelease(this, fence);
        }

        public override async ValueTask<IReadOnlyList<ChangeRecord>> ReadChangesAsync(ChangeCapture capture, long fromSequence, int maxChanges, CancellationToken cancellationToken)
        {
            if (StallFencedDrain && _fenced)
            {
                await Task.Delay(Timeout.InfiniteTimeSpan, cancellationToken);
            }

            if (FailFencedDrain && _fenced)
            {
                throw new InvalidOperationException("The change feed was lost.");
            }

            return await base.ReadChangesAsync(capture, fromSequence, maxChanges, cancellationToken);
        }

        private sealed class FailingRelease(FenceReleaseFailsOnce owner, IAsyncDisposable fence) : IAsyncDisposable
        {
            public ValueTask DisposeAsync()
            {
                owner._fenced = false;
                if (Interlocked.Increment(ref owner._failedReleases) == 1)
                {
                    // The fence stays on; only a call that gets a handle to it again can lift it.
                    GC.KeepAlive(fence);
                    throw new IOException("Connection reset by peer");
                }

                return fence.DisposeAsync();
            }
        }
    }

    /// <summary>Fails the first synced append of a RollingBack record, as a disk that ran full does.</summary>
    private sealed class RollbackAppendFails(IMoveJournal inner) : IMoveJournal
    {
        private int _failed;

        public string ClusterId => inner.ClusterId;

        public ValueTask<MoveJournalContents> ReadAsync(CancellationToken cancellationToken) => inner.ReadAsync(cancellationToken);

        public ValueTask AppendAsync(MoveJournalRecord record, CancellationToken cancellationToken)
        {
            if (record.State == MoveState.RollingBack && Interlocked.Exchange(ref _failed, 1) == 0)
            {
                throw new IOException("No space left on device");
            }

            return inner.AppendAsync(record, cancellationToken);
        }

        public ValueTask RewriteAsync(IReadOnlyList<MoveJournalRecord> records, CancellationToken cancellationToken) => inner.RewriteAsync(records, cancellationToken);
    }
}
