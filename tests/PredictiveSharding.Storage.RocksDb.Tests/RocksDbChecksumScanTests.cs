using System.Globalization;
using System.Text;
using PredictiveSharding.Keys;
using PredictiveSharding.Moving;

namespace PredictiveSharding.Storage.RocksDb.Tests;

/// <summary>The cluster's stepwise checksum (one snapshot and iterator held across steps); equality with ChecksumAsync is in the conformance tests.</summary>
[TestFixture]
public sealed class RocksDbChecksumScanTests : TwoNodeClusterFixture
{
    private static readonly KeyRange Range = KeyRange.FromStrings("k", "l");

    [Test]
    public async Task Scan_OverDataWithARangeDeleteAndRewrites_EqualsChecksum()
    {
        using var cluster = Open();
        await cluster.WriteAsync(A, Entries(0, 3_000, "old"), CancellationToken.None);
        await cluster.DeleteRangeAsync(A, KeyRange.FromStrings("k00100", "k00200"), CancellationToken.None);
        await cluster.WriteAsync(A, Entries(150, 160, "new"), CancellationToken.None);
        var expected = await cluster.ChecksumAsync(A, Range, CancellationToken.None);

        var scan = await cluster.OpenChecksumScanAsync(A, Range, CancellationToken.None);
        await using (scan)
        {
            var steps = 0;
            var step = await scan.StepAsync(4096, CancellationToken.None);
            while (!step.IsLast)
            {
                Assert.That(step.Bytes, Is.InRange(4096 - 64, 4096), "a step reads up to its size, and stops short only by less than an entry");
                steps++;
                step = await scan.StepAsync(4096, CancellationToken.None);
            }

            Assert.That(steps, Is.GreaterThan(1));
            Assert.That(step.Checksum, Is.EqualTo(expected));
            Assert.That(expected.KeyCount, Is.EqualTo(3_000 - 100 + 10));
        }
    }

    [Test]
    public async Task Scan_LeftOpenWhenTheClusterIsDisposed_IsFreedByTheNode()
    {
        var cluster = Open();
        await cluster.WriteAsync(A, Entries(0, 100, "v"), CancellationToken.None);
        var scan = await cluster.OpenChecksumScanAsync(A, Range, CancellationToken.None);
        Assert.That((await scan.StepAsync(64, CancellationToken.None)).IsLast, Is.False);

        // The caller dies with the scan open: disposing the cluster must not hang or crash on its iterator and snapshot.
        cluster.Dispose();
        Assert.That(async () => await scan.StepAsync(64, CancellationToken.None), Throws.InstanceOf<ObjectDisposedException>());
        await scan.DisposeAsync();

        using var reopened = Open();
        Assert.That((await reopened.ChecksumAsync(A, Range, CancellationToken.None)).KeyCount, Is.EqualTo(100));
    }

    [Test]
    public void Open_OnAnUnknownNode_IsRefused()
    {
        using var cluster = Open();
        Assert.That(async () => await cluster.OpenChecksumScanAsync(new("nowhere"), Range, CancellationToken.None), Throws.ArgumentException);
    }

    private static List<KeyValueEntry> Entries(int from, int to, string value) =>
        [.. Enumerable.Range(from, to - from).Select(i => new KeyValueEntry(ShardKey.FromString("k" + i.ToString("D5", CultureInfo.InvariantCulture)), Encoding.UTF8.GetBytes(value + i)))];
}
