using PredictiveSharding.Execution.Journal;
using static PredictiveSharding.Execution.Tests.TestCluster;

namespace PredictiveSharding.Execution.Tests;

/// <summary>Verification reads both copies of the range back; with a throttle it pays the copy's byte budget step by step.</summary>
public sealed class VerificationThrottleTests
{
    private const long Rate = 4096;

    [Test]
    public async Task ExecuteAsync_WithThrottle_ReadsEachChecksumInChunksPacedByTheClock()
    {
        var cluster = Create();
        cluster.Reseed(100, 200, _ => new string('x', 200));
        var mover = new ScanRecordingMover(cluster.Store, cluster.Store, cluster.Time);
        var options = FastOptions();
        options.ThrottleBytesPerSecond = Rate;
        await using var executor = cluster.Executor(new InMemoryMoveJournal("c"), options, mover);

        var report = await cluster.RunOnTheClockAsync(executor.ExecuteAsync(Plan(Move("p2", N1, N3))));

        Assert.That(report.AllCompleted, Is.True);
        Assert.That(report.Actions.Single().Verified, Is.True);
        var scans = mover.Scans;
        Assert.That(scans.Select(s => s.Node), Is.EquivalentTo(new[] { N1, N3 }), "the source and the target are each read back once");
        foreach (var scan in scans)
        {
            var total = scan.Steps.Sum(s => s.Step.Bytes);
            Assert.That(total, Is.EqualTo(100 * (4 + 200)));
            Assert.That(scan.Steps.All(s => s.Step.Bytes <= options.ChunkBytes), Is.True, "steps are the copy's chunk size");
            Assert.That(scan.Steps, Has.Count.GreaterThanOrEqualTo((int)(total / options.ChunkBytes)));
            Assert.That(scan.Disposed, Is.True);

            // Every step but the last is paid for before the next starts; the bucket starts with one refill (100 ms).
            var paid = total - scan.Steps[^1].Step.Bytes;
            var span = scan.Steps[^1].At - scan.Steps[0].At;
            Assert.That(span, Is.GreaterThanOrEqualTo(TimeSpan.FromSeconds((paid - (Rate / 10)) / (double)Rate) - TimeSpan.FromMilliseconds(200)), $"scan on {scan.Node}");
        }

        cluster.AssertConsistent();
    }

    [Test]
    public async Task ExecuteAsync_WithoutThrottle_ReadsEachChecksumInOneStep()
    {
        var cluster = Create();
        var mover = new ScanRecordingMover(cluster.Store, cluster.Store, cluster.Time);
        await using var executor = cluster.Executor(new InMemoryMoveJournal("c"), mover: mover);

        var report = await executor.ExecuteAsync(Plan(Move("p2", N1, N3)));

        Assert.That(report.AllCompleted, Is.True);
        Assert.That(mover.Scans, Has.Count.EqualTo(2));
        Assert.That(mover.Scans.Select(s => s.Steps.Count), Is.All.EqualTo(1));
        Assert.That(mover.Scans.Select(s => s.Steps[0].Step.Keys), Is.All.EqualTo(100));
        cluster.AssertConsistent();
    }

    [Test]
    public async Task ExecuteAsync_WithThrottleAndACorruptCopy_StillRollsBack()
    {
        var cluster = Create();
        var mover = new ScanRecordingMover(new CorruptingMover(cluster.Store), cluster.Store, cluster.Time);
        var options = FastOptions();
        options.ThrottleBytesPerSecond = Rate;
        var before = cluster.Routing.Current;
        await using var executor = cluster.Executor(new InMemoryMoveJournal("c"), options, mover);

        var report = await cluster.RunOnTheClockAsync(executor.ExecuteAsync(Plan(Move("p2", N1, N3))));

        var action = report.Actions.Single();
        Assert.That(action.Outcome, Is.EqualTo(ActionOutcome.RolledBack));
        Assert.That(action.Error, Is.TypeOf<RangeVerificationException>());
        Assert.That(mover.Scans.Where(s => s.Node == N3).Sum(s => s.Steps.Count), Is.GreaterThan(1), "the target was read back in steps");
        Assert.That(mover.Scans.All(s => s.Disposed), Is.True);
        Assert.That(cluster.Routing.Current, Is.SameAs(before));
        Assert.That(cluster.Store.Dump(N3), Is.Empty);
        cluster.AssertConsistent();
    }

    [Test]
    public async Task ExecuteAsync_CancelledWhileAVerificationWaitsOnTheThrottle_RollsBackAndFreesTheScan()
    {
        var cluster = Create();
        cluster.Reseed(100, 200, _ => new string('x', 200));
        var mover = new ScanRecordingMover(cluster.Store, cluster.Store, cluster.Time);
        var options = FastOptions();
        options.ThrottleBytesPerSecond = Rate;
        var before = cluster.Routing.Current;
        await using var executor = cluster.Executor(new InMemoryMoveJournal("c"), options, mover);
        using var cts = new CancellationTokenSource();

        var run = executor.ExecuteAsync(Plan(Move("p2", N1, N3)), cancellationToken: cts.Token);
        for (var i = 0; i < 3000 && !run.IsCompleted && !mover.Scans.Any(s => s.Steps.Count >= 2); i++)
        {
            cluster.Time.Advance(TimeSpan.FromMilliseconds(100));
            await Task.WhenAny(run, Task.Delay(5));
        }

        Assert.That(mover.Scans, Is.Not.Empty, "the move reached verification");
        await cts.CancelAsync();
        Assert.That(async () => await run, Throws.InstanceOf<OperationCanceledException>());
        Assert.That(mover.Scans.All(s => s.Disposed), Is.True);
        Assert.That(cluster.Routing.Current, Is.SameAs(before));
        Assert.That(cluster.Store.Dump(N3), Is.Empty);
        cluster.AssertConsistent();
    }
}
