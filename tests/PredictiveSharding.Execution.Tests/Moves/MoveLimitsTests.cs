using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using PredictiveSharding.Execution.Journal;
using PredictiveSharding.Keys;
using PredictiveSharding.Moving;
using PredictiveSharding.Topology;
using static PredictiveSharding.Execution.Tests.TestCluster;

namespace PredictiveSharding.Execution.Tests.Moves;

/// <summary>The limits that make a move give up rather than hold writes or chase a write storm forever.</summary>
public sealed class MoveLimitsTests
{
    [Test]
    public async Task ExecuteAsync_WhenTheFenceIsNeverGranted_RetriesThenRollsBackAfterMaxCutOverAttempts()
    {
        var cluster = Create();
        var options = FastOptions();
        options.FenceTimeout = TimeSpan.FromSeconds(5);
        options.MaxCutOverAttempts = 3;
        var mover = new StuckFenceMover(cluster.Store);
        var journal = new InMemoryMoveJournal("c");
        await using var executor = cluster.Executor(journal, options, mover);

        var run = executor.ExecuteAsync(Plan(Move("p2", N1, N3)));
        for (var i = 0; i < 200 && !run.IsCompleted; i++)
        {
            cluster.Time.Advance(TimeSpan.FromSeconds(1));
            await Task.WhenAny(run, Task.Delay(5));
        }

        var action = (await run).Actions.Single();
        Assert.That(action.Outcome, Is.EqualTo(ActionOutcome.RolledBack));
        Assert.That(action.Error, Is.TypeOf<TimeoutException>());
        Assert.That(action.Error!.Message, Does.Contain("3 attempts"));
        Assert.That(mover.FenceRequests, Is.EqualTo(3));
        Assert.That(journal.Records.Count(r => r.State == MoveState.CuttingOver), Is.EqualTo(3));
        Assert.That(cluster.Routing.Current.Get(new PartitionId("p2")).Node, Is.EqualTo(N1));
        cluster.AssertConsistent();
    }

    [Test]
    public async Task ExecuteAsync_WhenWritesOutpaceCatchUp_RollsBackAfterMaxCatchUpRounds()
    {
        var cluster = Create();
        var options = FastOptions();
        options.MaxCatchUpRounds = 3;
        var journal = new InMemoryMoveJournal("c");
        await using var executor = cluster.Executor(journal, options, new FloodingMover(cluster));

        var action = (await executor.ExecuteAsync(Plan(Move("p2", N1, N3)))).Actions.Single();

        Assert.That(action.Outcome, Is.EqualTo(ActionOutcome.RolledBack));
        Assert.That(action.Error, Is.TypeOf<TimeoutException>());
        Assert.That(action.Error!.Message, Does.Contain("did not catch up"));
        Assert.That(action.CatchUpRounds, Is.EqualTo(3));
        Assert.That(journal.Records.Count(r => r.State == MoveState.CatchingUp), Is.EqualTo(3));
        cluster.AssertConsistent();
    }

    [Test]
    public async Task ExecuteAsync_WhenAMoveRollsBack_LogsAWarningWithTheCause()
    {
        var cluster = Create();
        var logger = new FakeLogger<ShardingExecutor>();
        await using var executor = new ShardingExecutor(cluster.Routing, new CorruptingMover(cluster.Store), new InMemoryMoveJournal("c"), FastOptions(), cluster.Time, logger);

        await executor.ExecuteAsync(Plan(Move("p2", N1, N3)));

        var warning = logger.Collector.GetSnapshot().Single(r => r.Level == LogLevel.Warning);
        Assert.That(warning.Message, Does.Contain("rolls back from Verifying"));
        Assert.That(warning.Exception, Is.TypeOf<RangeVerificationException>());
    }

    [Test]
    public async Task ExecuteAsync_WithOneMovePerNode_RunsMovesSharingANodeOneAtATime()
    {
        var cluster = Create();
        var options = FastOptions();
        options.MaxConcurrentMovesPerNode = 1;
        var mover = new ConcurrencyProbe(cluster.Store);
        await using var executor = cluster.Executor(new InMemoryMoveJournal("c"), options, mover);

        var report = await executor.ExecuteAsync(Plan(Move("p1", N1, N3), Move("p2", N1, N2), Move("p3", N2, N3)));

        Assert.That(report.AllCompleted, Is.True);
        Assert.That(mover.MaxCopiesAtOnce, Is.EqualTo(1));
        cluster.AssertConsistent();
    }

    private sealed class StuckFenceMover(IDataMover inner) : DelegatingDataMover(inner)
    {
        public int FenceRequests { get; private set; }

        public override async ValueTask<IAsyncDisposable> FenceWritesAsync(NodeId node, KeyRange range, CancellationToken cancellationToken)
        {
            FenceRequests++;

            // In-flight writes never drain: the fence is never granted.
            await Task.Delay(Timeout.Infinite, cancellationToken);
            throw new InvalidOperationException("unreachable");
        }
    }

    private sealed class FloodingMover(TestCluster cluster) : DelegatingDataMover(cluster.Store)
    {
        private int _next;

        protected override void BeforeCall(string operation)
        {
            if (operation == nameof(ReadChangesAsync))
            {
                // Twenty new writes to the moving range for every page of changes the executor reads.
                for (var i = 0; i < 20; i++)
                {
                    _ = cluster.StartWrite(Key(100 + (_next++ % 100)), "flood-" + _next);
                }
            }
        }
    }

    private sealed class ConcurrencyProbe(IDataMover inner) : DelegatingDataMover(inner)
    {
        private int _copying;

        public int MaxCopiesAtOnce { get; private set; }

        public override async ValueTask<RangeChunk> ReadChunkAsync(NodeId node, KeyRange range, ShardKey from, int maxBytes, CancellationToken cancellationToken)
        {
            var now = Interlocked.Increment(ref _copying);
            MaxCopiesAtOnce = Math.Max(MaxCopiesAtOnce, now);
            try
            {
                await Task.Yield();
                return await base.ReadChunkAsync(node, range, from, maxBytes, cancellationToken);
            }
            finally
            {
                Interlocked.Decrement(ref _copying);
            }
        }
    }
}
