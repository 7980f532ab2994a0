using System.Globalization;
using System.Text;
using PredictiveSharding.Keys;
using PredictiveSharding.Moving;
using PredictiveSharding.Topology;

namespace PredictiveSharding.Storage.RocksDb.Tests;

/// <summary>The cluster's bulk copy (one snapshot, ingested table files, checksum of the copied bytes).</summary>
[TestFixture]
public sealed class RocksDbRangeCopyTests : TwoNodeClusterFixture
{
    private static readonly KeyRange Range = KeyRange.FromStrings("k", "l");

    [Test]
    public async Task Copy_WhileTheSourceTakesWrites_CopiesItsSnapshotAndChecksumsExactlyThat()
    {
        using var cluster = Open();
        await cluster.WriteAsync(A, Entries(0, 2_000, "old"), CancellationToken.None);
        await cluster.WriteAsync(A, [Entry("j", "below"), Entry("m", "above")], CancellationToken.None);
        var before = await cluster.ChecksumAsync(A, Range, CancellationToken.None);

        var copy = await cluster.OpenCopyAsync(A, B, Range, Range.Start, CancellationToken.None);
        await using (copy)
        {
            // Written after the copy's snapshot: neither copied nor in its checksum.
            await cluster.WriteAsync(A, Entries(0, 10, "new"), CancellationToken.None);
            var steps = new List<RangeCopyStep>();
            do
            {
                steps.Add(await copy.CopyNextAsync(16 * 1024, CancellationToken.None));
                Assert.That(copy.SourceChecksum is null || steps[^1].IsLast, Is.True, "no checksum before the last step");
            }
            while (!steps[^1].IsLast);

            Assert.That((await cluster.ChecksumAsync(B, Range, CancellationToken.None)).KeyCount, Is.Zero, "nothing is visible on the target before the commit");
            await copy.CommitAsync(CancellationToken.None);

            Assert.That(steps, Has.Count.GreaterThan(1));
            Assert.That(steps.Sum(s => s.Keys), Is.EqualTo(2_000));
            Assert.That(copy.SourceChecksum, Is.EqualTo(before), "the checksum of the copied bytes is the source's at the snapshot");
            var target = await cluster.ChecksumAsync(B, Range, CancellationToken.None);
            Assert.That(target.SameContentAs(before), Is.True, "the target holds the snapshot, read back");
        }

        Assert.That(Directory.EnumerateFiles(Folder.Path, "*.sst", SearchOption.TopDirectoryOnly), Is.Empty);
        Assert.That(Directory.EnumerateFiles(Path.Combine(Folder.Path, "node-b.ingest")), Is.Empty, "ingested files were moved into the database");
    }

    [Test]
    public async Task Copy_AfterTheTargetsIngestFolderWasRemoved_RecreatesItAndCopies()
    {
        // The ingest folder is made when the node opens and stays empty between copies: exactly what a temporary-file
        // cleaner (systemd-tmpfiles, tmpreaper) removes. Every later copy to the node then failed with RocksDB's
        // "IO error: No such file or directory" on a file name of its own, until the node was reopened.
        using var cluster = Open();
        await cluster.WriteAsync(A, Entries(0, 100, "v"), CancellationToken.None);
        Directory.Delete(Path.Combine(Folder.Path, "node-b.ingest"));

        var copy = await cluster.OpenCopyAsync(A, B, Range, Range.Start, CancellationToken.None);
        await using (copy)
        {
            while (!(await copy.CopyNextAsync(64 * 1024, CancellationToken.None)).IsLast)
            {
            }

            await copy.CommitAsync(CancellationToken.None);
        }

        var source = await cluster.ChecksumAsync(A, Range, CancellationToken.None);
        Assert.That((await cluster.ChecksumAsync(B, Range, CancellationToken.None)).SameContentAs(source), Is.True);
    }

    [Test]
    public async Task Copy_ResumedAfterACommittedPart_EndsWithTheWholeRangeButNoChecksum()
    {
        using var cluster = Open();
        await cluster.WriteAsync(A, Entries(0, 1_000, "v"), CancellationToken.None);
        ShardKey resume;
        var first = await cluster.OpenCopyAsync(A, B, Range, Range.Start, CancellationToken.None);
        await using (first)
        {
            var step = await first.CopyNextAsync(8 * 1024, CancellationToken.None);
            await first.CommitAsync(CancellationToken.None);
            resume = step.ResumeFrom!.Value;

            // Copied but never committed: lost with the copy, as in a crash.
            await first.CopyNextAsync(8 * 1024, CancellationToken.None);
        }

        var second = await cluster.OpenCopyAsync(A, B, Range, resume, CancellationToken.None);
        await using (second)
        {
            while (!(await second.CopyNextAsync(64 * 1024, CancellationToken.None)).IsLast)
            {
            }

            await second.CommitAsync(CancellationToken.None);
            Assert.That(second.SourceChecksum, Is.Null, "a copy of part of the range does not checksum the source");
        }

        var source = await cluster.ChecksumAsync(A, Range, CancellationToken.None);
        Assert.That((await cluster.ChecksumAsync(B, Range, CancellationToken.None)).SameContentAs(source), Is.True);
    }

    [Test]
    public async Task Copy_OverATargetWithStaleKeysAndATombstone_TheCopyWinsAndLaterWritesWinOverIt()
    {
        using var cluster = Open();
        await cluster.WriteAsync(A, Entries(0, 500, "fresh"), CancellationToken.None);
        await cluster.WriteAsync(B, Entries(0, 800, "stale"), CancellationToken.None);
        await cluster.DeleteRangeAsync(B, Range, CancellationToken.None);
        await cluster.WriteAsync(B, Entries(600, 700, "stale-after-delete"), CancellationToken.None);
        await cluster.DeleteRangeAsync(B, Range, CancellationToken.None);

        var copy = await cluster.OpenCopyAsync(A, B, Range, Range.Start, CancellationToken.None);
        await using (copy)
        {
            while (!(await copy.CopyNextAsync(1 << 20, CancellationToken.None)).IsLast)
            {
            }

            await copy.CommitAsync(CancellationToken.None);
        }

        // A catch-up write applied after the ingest must shadow the ingested value.
        await cluster.ApplyChangesAsync(B, [new ChangeRecord(long.MaxValue - 1, Key(7), Encoding.UTF8.GetBytes("caught-up"))], CancellationToken.None);
        await cluster.WriteAsync(A, [new KeyValueEntry(Key(7), Encoding.UTF8.GetBytes("caught-up"))], CancellationToken.None);

        var source = await cluster.ChecksumAsync(A, Range, CancellationToken.None);
        var target = await cluster.ChecksumAsync(B, Range, CancellationToken.None);
        Assert.That(target.KeyCount, Is.EqualTo(500));
        Assert.That(target.SameContentAs(source), Is.True);
    }

    [Test]
    public async Task Copy_AfterReopenWithALeftOverFile_ClearsItAndNodeDisposalFreesAnOpenCopy()
    {
        var cluster = Open();
        await cluster.WriteAsync(A, Entries(0, 100, "v"), CancellationToken.None);
        var copy = await cluster.OpenCopyAsync(A, B, Range, Range.Start, CancellationToken.None);
        await copy.CopyNextAsync(1 << 20, CancellationToken.None);
        Assert.That(Directory.EnumerateFiles(Path.Combine(Folder.Path, "node-b.ingest")), Is.Not.Empty, "the uncommitted file");
        Assert.That(copy.SourceChecksum, Is.Not.Null, "the whole range was read");

        // The caller dies with the copy open: disposing the cluster must not hang or crash on its iterator and snapshot.
        cluster.Dispose();
        Assert.That(async () => await copy.CopyNextAsync(1024, CancellationToken.None), Throws.InstanceOf<ObjectDisposedException>());
        await copy.DisposeAsync();

        var stray = Path.Combine(Folder.Path, "node-b.ingest", "left-by-a-crash.sst");
        await File.WriteAllTextAsync(stray, "partial");
        using var reopened = Open();
        Assert.That(Directory.EnumerateFiles(Path.Combine(Folder.Path, "node-b.ingest")), Is.Empty, "a file no copy owns is removed on open");
        Assert.That((await reopened.ChecksumAsync(B, Range, CancellationToken.None)).KeyCount, Is.Zero);
    }

    [Test]
    public async Task Commit_ToANodeCapturingTheRange_IsRefused()
    {
        using var cluster = Open();
        await cluster.WriteAsync(A, Entries(0, 10, "v"), CancellationToken.None);
        await cluster.StartChangeCaptureAsync(B, Range, "b-capture", CancellationToken.None);
        var copy = await cluster.OpenCopyAsync(A, B, Range, Range.Start, CancellationToken.None);
        await using (copy)
        {
            await copy.CopyNextAsync(1 << 20, CancellationToken.None);
            Assert.That(async () => await copy.CommitAsync(CancellationToken.None), Throws.InvalidOperationException.With.Message.Contains("b-capture"));
        }
    }

    [Test]
    public void OpenCopy_ToTheSameNode_IsRefused() =>
        Assert.That(async () => await Open().OpenCopyAsync(A, A, Range, Range.Start, CancellationToken.None), Throws.ArgumentException.With.Message.Contains("'a'"));

    private static ShardKey Key(int i) => ShardKey.FromString("k" + i.ToString("D5", CultureInfo.InvariantCulture));

    private static List<KeyValueEntry> Entries(int from, int to, string value) =>
        Enumerable.Range(from, to - from).Select(i => new KeyValueEntry(Key(i), Encoding.UTF8.GetBytes(value + i))).ToList();
}
