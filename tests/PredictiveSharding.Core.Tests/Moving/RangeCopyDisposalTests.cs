using PredictiveSharding.Moving;

namespace PredictiveSharding.Core.Tests.Moving;

public sealed class RangeCopyDisposalTests
{
    [Test]
    public async Task DisposeAsync_Twice_FreesTheCopyOnce()
    {
        // DisposeAsyncCore is documented as called once, so a store frees its snapshot there without a guard of its own;
        // a second DisposeAsync (an await using over a copy already disposed on an error path) called it again.
        var copy = new CountingCopy();
        await copy.DisposeAsync();
        await copy.DisposeAsync();
        Assert.That(copy.Disposals, Is.EqualTo(1));
    }

    [Test]
    public async Task DisposeAsync_OfAChecksumScanTwice_FreesTheScanOnce()
    {
        var scan = new CountingScan();
        await scan.DisposeAsync();
        await scan.DisposeAsync();
        Assert.That(scan.Disposals, Is.EqualTo(1));
    }

    private sealed class CountingCopy : RangeCopy
    {
        public int Disposals { get; private set; }

        public override ValueTask<RangeCopyStep> CopyNextAsync(int maxBytes, CancellationToken cancellationToken) => ValueTask.FromResult(new RangeCopyStep(0, 0, null));

        public override ValueTask CommitAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;

        protected override async ValueTask DisposeAsyncCore()
        {
            Disposals++;
            await base.DisposeAsyncCore();
        }
    }

    private sealed class CountingScan : RangeChecksumScan
    {
        public int Disposals { get; private set; }

        public override ValueTask<RangeChecksumStep> StepAsync(int maxBytes, CancellationToken cancellationToken) => ValueTask.FromResult(new RangeChecksumStep(0, 0, default(RangeChecksum)));

        protected override async ValueTask DisposeAsyncCore()
        {
            Disposals++;
            await base.DisposeAsyncCore();
        }
    }
}
