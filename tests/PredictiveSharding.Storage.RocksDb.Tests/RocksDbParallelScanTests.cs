using System.Globalization;
using System.Text;
using PredictiveSharding.Keys;
using PredictiveSharding.Moving;
using PredictiveSharding.Routing;
using PredictiveSharding.Storage.RocksDb.Checksums;
using PredictiveSharding.Topology;

namespace PredictiveSharding.Storage.RocksDb.Tests;

/// <summary>
/// Copies and checksum scans that read sub-ranges of one snapshot in parallel (ScanParallelism lanes): the joined checksum
/// is the single-pass one, a parallel copy under writes copies exactly its snapshot, and a resume key loses nothing.
/// </summary>
[TestFixture]
public sealed class RocksDbParallelScanTests : TwoNodeClusterFixture
{
    private static readonly KeyRange Range = KeyRange.FromStrings("k", "l");

    // Large enough that a step gives every lane more than SnapshotCursor.MinParallelShareBytes, so lanes really run in parallel.
    private const int ParallelStepBytes = 1024 * 1024;

    [TestCase(1)]
    [TestCase(2)]
    [TestCase(5)]
    public async Task Copy_InLanesWhileTheSourceTakesWrites_CopiesItsSnapshotAndChecksumsExactlyThat(int lanes)
    {
        using var cluster = Open(lanes);
        await cluster.WriteAsync(A, Entries(0, 20_000, "old"), CancellationToken.None);
        var before = await cluster.ChecksumAsync(A, Range, CancellationToken.None);

        var copy = await cluster.OpenCopyAsync(A, B, Range, Range.Start, CancellationToken.None);
        await using (copy)
        {
            var steps = 0;
            RangeCopyStep step;
            do
            {
                // Written after the copy's snapshot, all over the range: neither copied nor in its checksum.
                await cluster.WriteAsync(A, Entries(steps * 3_000, (steps * 3_000) + 50, "new"), CancellationToken.None);
                await cluster.DeleteRangeAsync(A, KeyRange.FromStrings(Key(19_000 - (steps * 10)), Key(19_005 - (steps * 10))), CancellationToken.None);
                step = await copy.CopyNextAsync(ParallelStepBytes, CancellationToken.None);
                steps++;
            }
            while (!step.IsLast);

            await copy.CommitAsync(CancellationToken.None);
            Assert.That(steps, Is.GreaterThan(1));
            Assert.That(copy.SourceChecksum, Is.EqualTo(before), "the joined checksum of the lanes is the source's single-pass checksum at the snapshot");
        }

        var target = await cluster.ChecksumAsync(B, Range, CancellationToken.None);
        Assert.That(target.SameContentAs(before), Is.True, "the target holds exactly the snapshot");
        Assert.That(target.KeyCount, Is.EqualTo(20_000));
        Assert.That(Directory.EnumerateFiles(Path.Combine(Folder.Path, "node-b.ingest")), Is.Empty, "every lane's file was ingested");
    }

    [Test]
    public async Task Copy_InLanesResumedFromAStepsResumeKey_LosesNothing()
    {
        using var cluster = Open(4);
        await cluster.WriteAsync(A, Entries(0, 20_000, "v"), CancellationToken.None);
        ShardKey resume;
        var first = await cluster.OpenCopyAsync(A, B, Range, Range.Start, CancellationToken.None);
        await using (first)
        {
            var step = await first.CopyNextAsync(ParallelStepBytes, CancellationToken.None);
            await first.CommitAsync(CancellationToken.None);
            resume = step.ResumeFrom!.Value;

            // Every lane copied part of its sub-range: the resume key is the first lane's position, so the parts the later
            // lanes copied above it are copied again after the resume (puts, harmless) and nothing below it is missing.
            Assert.That(resume, Is.LessThan(ShardKey.FromString(Key(5_000))));
        }

        var second = await cluster.OpenCopyAsync(A, B, Range, resume, CancellationToken.None);
        await using (second)
        {
            while (!(await second.CopyNextAsync(ParallelStepBytes, CancellationToken.None)).IsLast)
            {
            }

            await second.CommitAsync(CancellationToken.None);
        }

        var source = await cluster.ChecksumAsync(A, Range, CancellationToken.None);
        Assert.That((await cluster.ChecksumAsync(B, Range, CancellationToken.None)).SameContentAs(source), Is.True);
    }

    [Test]
    public async Task Scan_WithAnyNumberOfLanesAndAnyStepSize_EqualsTheSinglePassChecksum()
    {
        RangeChecksum expected;
        using (var cluster = Open(1))
        {
            await cluster.WriteAsync(A, Entries(0, 20_000, "old"), CancellationToken.None);
            await cluster.DeleteRangeAsync(A, KeyRange.FromStrings(Key(7_000), Key(9_000)), CancellationToken.None);
            await cluster.WriteAsync(A, Entries(8_000, 8_100, "new"), CancellationToken.None);
            expected = await cluster.ChecksumAsync(A, Range, CancellationToken.None);
        }

        foreach (var lanes in new[] { 1, 2, 3, 8 })
        {
            // Reopening moves the sequence on (its reservation), so the content is compared with the first cluster's and the
            // whole checksum, sequence included, with this cluster's single pass.
            using var cluster = Open(lanes);
            var reopened = await cluster.ChecksumAsync(A, Range, CancellationToken.None);
            Assert.That(reopened.SameContentAs(expected), Is.True);
            foreach (var stepBytes in new[] { 4096, ParallelStepBytes, int.MaxValue })
            {
                Assert.That(await ScanAsync(cluster, A, Range, stepBytes), Is.EqualTo(reopened), $"{lanes} lanes, steps of {stepBytes} bytes");
            }
        }
    }

    [Test]
    public void Hasher_SplitAnywhereAndJoined_EqualsOnePass_AndOrderMatters()
    {
        var entries = Enumerable.Range(0, 300).Select(i => (Key: Encoding.UTF8.GetBytes(Key(i)), Value: Encoding.UTF8.GetBytes("value" + (i * 7)))).ToArray();
        var whole = new RangeHasher();
        foreach (var (key, value) in entries)
        {
            whole.Append(key, value);
        }

        foreach (var cut in new[] { 0, 1, 150, 299, 300 })
        {
            var left = new RangeHasher();
            var right = new RangeHasher();
            foreach (var (key, value) in entries[..cut])
            {
                left.Append(key, value);
            }

            foreach (var (key, value) in entries[cut..])
            {
                right.Append(key, value);
            }

            left.Append(right);
            Assert.That(left.ToChecksum(1), Is.EqualTo(whole.ToChecksum(1)), $"cut at {cut}");
        }

        // The same entries with two values swapped, or two whole entries swapped: different hashes.
        var swappedValues = new RangeHasher();
        var swappedEntries = new RangeHasher();
        for (var i = 0; i < entries.Length; i++)
        {
            var j = i switch { 10 => 200, 200 => 10, _ => i };
            swappedValues.Append(entries[i].Key, entries[j].Value);
            swappedEntries.Append(entries[j].Key, entries[j].Value);
        }

        Assert.That(swappedValues.ToChecksum(1).Hash, Is.Not.EqualTo(whole.ToChecksum(1).Hash));
        Assert.That(swappedEntries.ToChecksum(1).Hash, Is.Not.EqualTo(whole.ToChecksum(1).Hash));
    }

    [Test]
    public void Split_KeysAreAscendingInsideTheRangeAndEven()
    {
        var splits = KeySplitter.Split(Encoding.UTF8.GetBytes("user00000000"), Encoding.UTF8.GetBytes("user00099999"), 4);

        Assert.That(splits, Has.Count.EqualTo(3));
        Assert.That(splits, Is.Ordered);
        Assert.That(splits[0], Is.GreaterThan(ShardKey.FromString("user00020000")).And.LessThan(ShardKey.FromString("user00030000")));
        Assert.That(splits[1], Is.GreaterThan(ShardKey.FromString("user00049999")).And.LessThan(ShardKey.FromString("user00050001")));
        Assert.That(KeySplitter.Split(Encoding.UTF8.GetBytes("a"), Encoding.UTF8.GetBytes("a\0"), 4), Is.Empty, "no key lies strictly between");
        Assert.That(KeySplitter.Split(Encoding.UTF8.GetBytes("b"), Encoding.UTF8.GetBytes("a"), 4), Is.Empty);
    }

    [Test]
    public async Task DeleteRange_OfARangeTheNodeNoLongerOwns_DropsItsCopiedFilesAndKeepsTheRest()
    {
        var moving = new PartitionId("moving");
        var routing = new RoutingTable(new RoutingMap(
            [new PartitionRoute(new PartitionId("below"), new KeyRange(ShardKey.Empty, Range.Start), A), new PartitionRoute(moving, Range, A), new PartitionRoute(new PartitionId("above"), new KeyRange(Range.End!.Value, null), A)],
            version: 0));
        using var cluster = new RocksDbCluster(new RocksDbClusterOptions { RootDirectory = Folder.Path, ScanParallelism = 2 }, [A, B], routing);
        await cluster.WriteAsync(A, Entries(0, 5_000, "v"), CancellationToken.None);
        await cluster.WriteAsync(B, [Entry("a", "below on b"), Entry("z", "above on b")], CancellationToken.None);
        var source = await cluster.ChecksumAsync(A, Range, CancellationToken.None);

        // A table file on B that holds the range and the end key itself (the next range's first key): it must survive the
        // delete of the range, end key included, though every other key of it is deleted.
        await cluster.WriteAsync(A, [Entry("l", "the end key")], CancellationToken.None);
        var withEnd = new KeyRange(Range.Start, ShardKey.FromString("l\0"));
        var first = await cluster.OpenCopyAsync(A, B, withEnd, withEnd.Start, CancellationToken.None);
        await using (first)
        {
            while (!(await first.CopyNextAsync(ParallelStepBytes, CancellationToken.None)).IsLast)
            {
            }

            await first.CommitAsync(CancellationToken.None);
        }

        await cluster.DeleteRangeAsync(B, Range, CancellationToken.None);
        Assert.That((await cluster.ChecksumAsync(B, Range, CancellationToken.None)).KeyCount, Is.Zero);
        Assert.That((await cluster.ChecksumAsync(B, KeyRange.Full, CancellationToken.None)).KeyCount, Is.EqualTo(3), "the end key and B's keys outside the range are kept");
        await cluster.DeleteRangeAsync(B, KeyRange.FromStrings("l", "l\0"), CancellationToken.None);
        for (var round = 0; round < 2; round++)
        {
            // B receives the range (ingested files), gives it back (routing says A owns it), and deletes its copy.
            var copy = await cluster.OpenCopyAsync(A, B, Range, Range.Start, CancellationToken.None);
            await using (copy)
            {
                while (!(await copy.CopyNextAsync(ParallelStepBytes, CancellationToken.None)).IsLast)
                {
                }

                await copy.CommitAsync(CancellationToken.None);
            }

            Assert.That((await cluster.ChecksumAsync(B, Range, CancellationToken.None)).SameContentAs(source), Is.True, $"round {round}: copied");
            var filesBefore = Directory.GetFiles(Path.Combine(Folder.Path, "node-b"), "*.sst").Length;
            await cluster.DeleteRangeAsync(B, Range, CancellationToken.None);
            Assert.That(Directory.GetFiles(Path.Combine(Folder.Path, "node-b"), "*.sst"), Has.Length.LessThan(filesBefore), $"round {round}: the copy's files are dropped");
            Assert.That((await cluster.ChecksumAsync(B, Range, CancellationToken.None)).KeyCount, Is.Zero, $"round {round}: deleted");
            Assert.That((await cluster.ChecksumAsync(B, KeyRange.Full, CancellationToken.None)).KeyCount, Is.EqualTo(2), $"round {round}: B's keys outside the range are kept");
        }

        Assert.That((await cluster.ChecksumAsync(A, Range, CancellationToken.None)).SameContentAs(source), Is.True, "the owner's copy is untouched");
    }

    private static async Task<RangeChecksum> ScanAsync(RocksDbCluster cluster, NodeId node, KeyRange range, int stepBytes)
    {
        var scan = await cluster.OpenChecksumScanAsync(node, range, CancellationToken.None);
        await using (scan)
        {
            while (true)
            {
                var step = await scan.StepAsync(stepBytes, CancellationToken.None);
                if (step.Checksum is { } checksum)
                {
                    return checksum;
                }
            }
        }
    }

    private static string Key(int i) => "k" + i.ToString("D6", CultureInfo.InvariantCulture);

    private static List<KeyValueEntry> Entries(int from, int to, string value) =>
        [.. Enumerable.Range(from, to - from).Select(i => new KeyValueEntry(ShardKey.FromString(Key(i)), Encoding.UTF8.GetBytes(value + i + new string('x', 100))))];
}
