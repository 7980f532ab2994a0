using PredictiveSharding.Keys;
using PredictiveSharding.Moving;

namespace PredictiveSharding.Storage.RocksDb.Tests;

/// <summary>Keys and values at the edges (empty, 0x00 and 0xFF bytes, a 10,000-byte key, a 6 MiB value) over the whole key space.</summary>
[TestFixture]
public sealed class RocksDbEdgeKeyTests : TwoNodeClusterFixture
{
    [TestCase(1)]
    [TestCase(3)]
    public async Task CopyChecksumsReadAndDelete_OfEdgeKeysAndValues_AgreeEverywhere(int lanes)
    {
        using var cluster = Open(lanes);
        var entries = new List<KeyValueEntry>
        {
            new(ShardKey.Empty, new byte[] { 1 }),
            new(ShardKey.FromBytes([0x00]), Array.Empty<byte>()),
            new(ShardKey.FromBytes([0x00, 0x00]), new byte[] { 0 }),
            new(ShardKey.FromBytes([0xFF]), new byte[5000]),
            new(ShardKey.FromBytes([0xFF, 0xFF, 0xFF]), Array.Empty<byte>()),
            new(ShardKey.FromBytes(Enumerable.Repeat((byte)0xFF, 10_000).ToArray()), new byte[6 * 1024 * 1024]),
            new(ShardKey.FromBytes([0x7F, 0x00, 0xFF]), new byte[3]),
        };
        for (var i = 0; i < 3000; i++)
        {
            entries.Add(new(ShardKey.FromBytes([0x40, (byte)(i >> 8), (byte)i, 0x00]), new byte[i % 700]));
        }

        await cluster.WriteAsync(A, entries, CancellationToken.None);
        var range = KeyRange.Full;
        var source = await cluster.ChecksumAsync(A, range, CancellationToken.None);
        Assert.That(source.KeyCount, Is.EqualTo(entries.Count));
        var copy = await cluster.OpenCopyAsync(A, B, range, range.Start, CancellationToken.None);
        await using (copy)
        {
            RangeCopyStep step;
            do
            {
                step = await copy.CopyNextAsync(64 * 1024, CancellationToken.None);
            }
            while (!step.IsLast);

            await copy.CommitAsync(CancellationToken.None);
            Assert.That(copy.SourceChecksum!.Value.SameContentAs(source), Is.True, "source");
            if (copy.ReadsBackTarget)
            {
                Assert.That(copy.TargetChecksum!.Value.SameContentAs(source), Is.True, "readback");
            }
        }

        var target = await cluster.ChecksumAsync(B, range, CancellationToken.None);
        Assert.That(target.SameContentAs(source), Is.True, "target");
        var scan = await cluster.OpenChecksumScanAsync(B, range, CancellationToken.None);
        await using (scan)
        {
            RangeChecksumStep s;
            do
            {
                s = await scan.StepAsync(10_000, CancellationToken.None);
            }
            while (s.Checksum is null);
            Assert.That(s.Checksum!.Value.SameContentAs(source), Is.True, "scan");
        }

        var chunk = await cluster.ReadChunkAsync(B, range, ShardKey.Empty, int.MaxValue, CancellationToken.None);
        Assert.That(chunk.Entries.Count, Is.EqualTo(entries.Count));

        await cluster.DeleteRangeAsync(B, range, CancellationToken.None);
        Assert.That((await cluster.ChecksumAsync(B, range, CancellationToken.None)).KeyCount, Is.Zero);
        await cluster.DeleteRangeAsync(A, new KeyRange(ShardKey.FromBytes([0x40]), ShardKey.FromBytes([0x7F, 0x00, 0xFF])), CancellationToken.None);
        Assert.That((await cluster.ChecksumAsync(A, range, CancellationToken.None)).KeyCount, Is.EqualTo(7));
    }
}
