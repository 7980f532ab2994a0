using PredictiveSharding.Execution.Journal;
using PredictiveSharding.Execution.Reporting;
using static PredictiveSharding.Execution.Tests.TestCluster;

namespace PredictiveSharding.Execution.Tests;

/// <summary>
/// A copy that read its target back while copying (<see cref="Moving.RangeCopy.TargetChecksum"/>) spares the executor the
/// verification read, but not the comparison, and pays the throttle for the read it made.
/// </summary>
public sealed class ReadBackVerificationTests
{
    private const long Rate = 4096;

    [Test]
    public async Task ExecuteAsync_CopyThatReadTheTargetBack_VerifiesWithoutScanningEitherNode()
    {
        var cluster = Create();
        var mover = new ReadBackCopyMover(cluster.Store, cluster.Time);
        await using var executor = cluster.Executor(new InMemoryMoveJournal("c"), mover: mover);

        var report = await executor.ExecuteAsync(Plan(Move("p2", N1, N3)));

        var action = report.Actions.Single();
        Assert.That(action.Outcome, Is.EqualTo(ActionOutcome.Completed));
        Assert.That(action.Verified, Is.True);
        Assert.That(action.VerifiedKeys, Is.EqualTo(100));
        Assert.That(mover.Scanned, Is.Empty, "both checksums came from the copy");
        Assert.That(cluster.Routing.Current.Get(new Topology.PartitionId("p2")).Node, Is.EqualTo(N3));
        cluster.AssertConsistent();
    }

    [Test]
    public async Task ExecuteAsync_CopyWhoseReadBackDisagreesWithTheSource_RollsBack()
    {
        var cluster = Create();
        var mover = new ReadBackCopyMover(cluster.Store, cluster.Time) { CorruptTargetChecksum = true };
        var before = cluster.Routing.Current;
        await using var executor = cluster.Executor(new InMemoryMoveJournal("c"), mover: mover);

        var report = await executor.ExecuteAsync(Plan(Move("p2", N1, N3)));

        var action = report.Actions.Single();
        Assert.That(action.Outcome, Is.EqualTo(ActionOutcome.RolledBack));
        Assert.That(action.Error, Is.TypeOf<RangeVerificationException>());
        var error = (RangeVerificationException)action.Error!;
        Assert.That(error.TargetChecksum.KeyCount, Is.EqualTo(error.SourceChecksum.KeyCount - 1), "the copy's read-back is what was compared");
        Assert.That(cluster.Routing.Current, Is.SameAs(before));
        Assert.That(cluster.Store.Dump(N3), Is.Empty);
        cluster.AssertConsistent();
    }

    [Test]
    public async Task ExecuteAsync_WhenTheVerificationDrainAppliesChanges_ReadsTheTargetAgain()
    {
        // Host writes land during the copy, before the copy's (commit-time) snapshot: the copy's read-back of the target
        // predates them, so it must not stand for the target once the drain has applied them there.
        var cluster = Create();
        var writes = new InterleavingWritesMover(cluster, seed: 7, keyCount: 300);
        var mover = new ReadBackCopyMover(writes, cluster.Time);
        await using var executor = cluster.Executor(new InMemoryMoveJournal("c"), mover: mover);

        var report = await executor.ExecuteAsync(Plan(Move("p2", N1, N3)));
        await writes.DrainAsync();

        var action = report.Actions.Single();
        Assert.That(action.Outcome, Is.EqualTo(ActionOutcome.Completed), action.Error?.ToString());
        Assert.That(action.Verified, Is.True);
        Assert.That(mover.Scanned, Is.EqualTo(new[] { N3 }), "only the target was read again; the source's checksum came from the copy");
        cluster.AssertConsistent();
    }

    [Test]
    public async Task ExecuteAsync_WithThrottle_ChargesACopyThatReadsBackForBothReads()
    {
        var cluster = Create();
        cluster.Reseed(100, 200, _ => new string('x', 200));
        var mover = new ReadBackCopyMover(cluster.Store, cluster.Time);
        var options = FastOptions();
        options.ThrottleBytesPerSecond = Rate;
        await using var executor = cluster.Executor(new InMemoryMoveJournal("c"), options, mover);

        var report = await cluster.RunOnTheClockAsync(executor.ExecuteAsync(Plan(Move("p2", N1, N3))));

        Assert.That(report.AllCompleted, Is.True);
        Assert.That(mover.Scanned, Is.Empty);
        var steps = mover.CopySteps;
        var total = steps.Sum(s => s.Bytes);
        Assert.That(total, Is.EqualTo(100 * (4 + 200)));

        // Every step but the last is paid for, twice, before the next starts; the bucket starts with one refill (100 ms).
        // Charged once, the span would be about half as long.
        var paid = 2 * (total - steps[^1].Bytes);
        var span = steps[^1].At - steps[0].At;
        Assert.That(span, Is.GreaterThanOrEqualTo(TimeSpan.FromSeconds((paid - (Rate / 10)) / (double)Rate) - TimeSpan.FromMilliseconds(200)));
        cluster.AssertConsistent();
    }
}
