using PredictiveSharding.Execution.Journal;
using PredictiveSharding.Keys;
using PredictiveSharding.Moving;
using PredictiveSharding.Topology;
using static PredictiveSharding.Execution.Tests.TestCluster;

namespace PredictiveSharding.Execution.Tests.Resilience;

/// <summary>
/// A verification read-back starts over on each retry, so a failed scan renews the retry budget only when it read
/// further than every earlier attempt: isolated failures deeper and deeper into a long scan are ridden out, and failures
/// at the same point give up after <see cref="ExecutorOptions.MaxRetryAttempts"/> as any other call does.
/// </summary>
public sealed class ChecksumRetryProgressTests
{
    [Test]
    public async Task ExecuteAsync_WhenEachTargetScanFailsFurtherOnThanTheLast_CompletesTheMove()
    {
        // Attempt a fails at step a + 1 for the first six attempts, more failures than one budget (3) allows.
        var cluster = Create();
        cluster.Reseed(100, 200, _ => new string('x', 200));
        var mover = new TargetScanStepsTimeOut(cluster.Store, N3, attempt => attempt <= 6 ? attempt + 1 : null);
        await using var executor = cluster.Executor(new InMemoryMoveJournal("c"), Throttled(), mover);

        var report = await cluster.RunOnTheClockAsync(executor.ExecuteAsync(Plan(Move("p2", N1, N3))));

        var action = report.Actions.Single();
        Assert.That(action.Outcome, Is.EqualTo(ActionOutcome.Completed), action.Error?.ToString());
        Assert.That(action.Verified, Is.True);
        Assert.That(mover.Timeouts, Is.EqualTo(6));
        Assert.That(mover.Timeouts, Is.GreaterThan(ExecutorDefaults.MaxRetryAttempts), "more failures than one budget allows");
        cluster.AssertConsistent();
    }

    [Test]
    public async Task ExecuteAsync_WhenEveryTargetScanFailsAtTheSameStep_GivesUpAfterMaxRetryAttempts()
    {
        // The first failure is progress (it read further than nothing), so the budget starts there: that failure and
        // MaxRetryAttempts more, then the move rolls back.
        var cluster = Create();
        cluster.Reseed(100, 200, _ => new string('x', 200));
        var mover = new TargetScanStepsTimeOut(cluster.Store, N3, _ => 3);
        var before = cluster.Routing.Current;
        await using var executor = cluster.Executor(new InMemoryMoveJournal("c"), Throttled(), mover);

        var report = await cluster.RunOnTheClockAsync(executor.ExecuteAsync(Plan(Move("p2", N1, N3))));

        var action = report.Actions.Single();
        Assert.That(action.Outcome, Is.EqualTo(ActionOutcome.RolledBack));
        Assert.That(action.Error, Is.InstanceOf<TimeoutException>());
        Assert.That(mover.Timeouts, Is.EqualTo(ExecutorDefaults.MaxRetryAttempts + 1));
        Assert.That(cluster.Routing.Current, Is.SameAs(before));
        cluster.AssertConsistent();
    }

    // With a throttle the read-back is taken in copy-sized steps, so a scan has steps to fail between.
    private static ExecutorOptions Throttled()
    {
        var options = FastOptions();
        options.ThrottleBytesPerSecond = 64 * 1024;
        return options;
    }

    /// <summary>
    /// Checksum scans on <paramref name="node"/> throw a timeout at the step <paramref name="failAtStep"/> gives for the
    /// 1-based attempt (null: the attempt succeeds); the steps before it hash as usual.
    /// </summary>
    private sealed class TargetScanStepsTimeOut(IDataMover inner, NodeId node, Func<int, int?> failAtStep) : DelegatingDataMover(inner), IDataMover
    {
        private int _attempts;

        public int Timeouts { get; private set; }

        public async ValueTask<RangeChecksumScan> OpenChecksumScanAsync(NodeId scanned, KeyRange range, CancellationToken cancellationToken)
        {
            var scan = await Inner.OpenChecksumScanAsync(scanned, range, cancellationToken);
            return scanned == node && failAtStep(++_attempts) is { } step ? new FailingScan(scan, step, this) : scan;
        }

        private sealed class FailingScan(RangeChecksumScan inner, int failAt, TargetScanStepsTimeOut owner) : RangeChecksumScan
        {
            private int _steps;

            public override ValueTask<RangeChecksumStep> StepAsync(int maxBytes, CancellationToken cancellationToken)
            {
                if (++_steps == failAt)
                {
                    owner.Timeouts++;
                    throw new TimeoutException($"the target stopped answering at step {failAt}");
                }

                return inner.StepAsync(maxBytes, cancellationToken);
            }

            protected override async ValueTask DisposeAsyncCore()
            {
                await inner.DisposeAsync();
                await base.DisposeAsyncCore();
            }
        }
    }
}
