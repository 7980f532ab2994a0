using PredictiveSharding.Execution.Journal;
using PredictiveSharding.Keys;
using PredictiveSharding.Moving;
using PredictiveSharding.Topology;
using static PredictiveSharding.Execution.Tests.TestCluster;

namespace PredictiveSharding.Execution.Tests.Resilience;

public sealed class RetryBackoffTests
{
    [Test]
    public async Task ExecuteAsync_WithManyRetriesAllowed_KeepsRetryingOnceTheDoubledDelayOutgrowsATimer()
    {
        // MaxRetryAttempts may be up to 100 and each retry doubles the delay: from the 26th retry on (1 s * 2^25 is over
        // a year) the delay is more than a timer can wait, and the retry must wait its longest instead of failing the move
        // with an error about the delay rather than the mover's.
        var cluster = Create();
        var mover = new TimingOutDeletes(cluster.Store, failures: 30);
        var options = FastOptions();
        options.MaxRetryAttempts = 40;
        options.RetryBaseDelay = TimeSpan.FromSeconds(1);
        await using var executor = cluster.Executor(new InMemoryMoveJournal("c"), options, mover);

        var run = executor.ExecuteAsync(Plan(Move("p2", N1, N3)));
        for (var i = 0; i < 5000 && !run.IsCompleted; i++)
        {
            cluster.Time.Advance(TimeSpan.FromDays(10));
            await Task.WhenAny(run, Task.Delay(2));
        }

        Assert.That(run.IsCompleted, Is.True, "the move finished on the fake clock");
        var action = (await run).Actions.Single();
        Assert.That(action.Error, Is.Null, "no error replaced the mover's transient one");
        Assert.That(action.Outcome, Is.EqualTo(ActionOutcome.Completed));
        Assert.That(mover.Failures, Is.EqualTo(30));
        cluster.AssertConsistent();
    }

    private sealed class TimingOutDeletes(IDataMover inner, int failures) : DelegatingDataMover(inner)
    {
        private int _failures;

        public int Failures => Volatile.Read(ref _failures);

        public override ValueTask DeleteRangeAsync(NodeId node, KeyRange range, CancellationToken cancellationToken)
        {
            if (Interlocked.Increment(ref _failures) <= failures)
            {
                throw new TimeoutException("the node did not answer");
            }

            Interlocked.Decrement(ref _failures);
            return base.DeleteRangeAsync(node, range, cancellationToken);
        }
    }
}
