using System.Text;
using PredictiveSharding.Keys;
using PredictiveSharding.Moving;
using PredictiveSharding.Topology;

namespace PredictiveSharding.Storage.RocksDb.Tests;

/// <summary>What only a persistent store must do: survive a reopen, keep its feed ordered under concurrent writers, and refuse bad settings.</summary>
[TestFixture]
public sealed class RocksDbClusterTests : TwoNodeClusterFixture
{
    [Test]
    public async Task Reopen_AfterDispose_KeepsDataCaptureLogAndSequenceOrder()
    {
        var range = KeyRange.FromStrings("k", "l");
        ChangeCapture capture;
        long sequenceBeforeClose;
        using (var cluster = Open())
        {
            await cluster.WriteAsync(A, [Entry("k0", "seed"), Entry("z0", "outside")], CancellationToken.None);
            capture = await cluster.StartChangeCaptureAsync(A, range, "move-1/capture", CancellationToken.None);
            await Put(cluster, A, "k1", "one");
            await Put(cluster, A, "k2", "two");
            Assert.That((await cluster.Node(A).DeleteAsync(Key("k0"), CancellationToken.None)).Applied, Is.True);
            sequenceBeforeClose = cluster.Node(A).NextSequence;
        }

        using (var reopened = Open())
        {
            var resumed = await reopened.ResumeChangeCaptureAsync(A, "move-1/capture", CancellationToken.None);
            Assert.That(resumed, Is.EqualTo(capture), "the capture comes back with its range and start sequence");
            await Put(reopened, A, "k3", "three");

            var changes = await reopened.ReadChangesAsync(resumed!, resumed!.StartSequence, 100, CancellationToken.None);

            Assert.That(changes.Select(c => (c.Key.ToString(), c.IsDelete ? null : Encoding.UTF8.GetString(c.Value!.Value.Span))),
                Is.EqualTo(new (string, string?)[] { ("k1", "one"), ("k2", "two"), ("k0", null), ("k3", "three") }));
            Assert.That(changes[^1].Sequence, Is.GreaterThanOrEqualTo(sequenceBeforeClose), "sequences never go back after a restart");
            Assert.That(changes.Zip(changes.Skip(1)).All(p => p.First.Sequence < p.Second.Sequence), Is.True);
            Assert.That(reopened.Node(A).Get(Key("z0")).Value?.ToArray(), Is.EqualTo(Encoding.UTF8.GetBytes("outside")));

            await reopened.StopChangeCaptureAsync(A, "move-1/capture", CancellationToken.None);
        }

        using (var third = Open())
        {
            Assert.That(await third.ResumeChangeCaptureAsync(A, "move-1/capture", CancellationToken.None), Is.Null, "a stopped capture stays stopped");
        }
    }

    // Built in code, picked by index: an attribute's string argument is stored as UTF-8 (which would already have replaced
    // the surrogate), and a test name holding a lone surrogate is not reported.
    private static readonly string[] IdsWithALoneSurrogate = ["move-" + (char)0xD800, (char)0xDC00 + "move", "move-" + (char)0xDBFF + "-" + (char)0xDFFF + (char)0xDC00];

    [TestCase(0)]
    [TestCase(1)]
    [TestCase(2)]
    public async Task StartChangeCapture_WithAnIdThatIsNotValidUtf16_IsRefusedNamingItAndStartsNothing(int which)
    {
        var captureId = IdsWithALoneSurrogate[which];
        using (var cluster = Open())
        {
            // Stored as UTF-8, the lone surrogate became U+FFFD: after a restart the capture could not be resumed (or
            // stopped) by its id, and the move could neither finish nor clean it up.
            Assert.That(
                async () => await cluster.StartChangeCaptureAsync(A, KeyRange.Full, captureId, CancellationToken.None),
                Throws.ArgumentException.With.Message.Contains(captureId).And.Message.Contains("UTF-16").And.Property("ParamName").EqualTo("captureId"));
            Assert.That(cluster.Node(A).OpenCaptureIds, Is.Empty);
        }

        using var reopened = Open();
        Assert.That(reopened.Node(A).OpenCaptureIds, Is.Empty, "nothing was written for it");
    }

    [Test]
    public async Task StartChangeCapture_WithAnIdOutsideTheBasicPlane_ResumesAfterARestart()
    {
        const string captureId = "move-\U0001F600-é";
        using (var cluster = Open())
        {
            await cluster.StartChangeCaptureAsync(A, KeyRange.Full, captureId, CancellationToken.None);
        }

        using var reopened = Open();
        Assert.That(await reopened.ResumeChangeCaptureAsync(A, captureId, CancellationToken.None), Is.Not.Null);
        await reopened.StopChangeCaptureAsync(A, captureId, CancellationToken.None);
        Assert.That(reopened.Node(A).OpenCaptureIds, Is.Empty);
    }

    [Test]
    public async Task Reopen_WithANodeLeftOut_IsRefusedNamingItsFolder()
    {
        using (var cluster = Open())
        {
            await cluster.WriteAsync(B, [Entry("k0", "only on b")], CancellationToken.None);
        }

        var error = Assert.Throws<ArgumentException>(() => new RocksDbCluster(new RocksDbClusterOptions { RootDirectory = Folder.Path }, [A]).Dispose());
        Assert.That(error!.ParamName, Is.EqualTo("nodes"));
        Assert.That(error.Message, Does.Contain("node-b").And.Contain(Folder.Path));

        using (var again = Open())
        {
            Assert.That(again.Node(B).Get(Key("k0")).Value?.ToArray(), Is.EqualTo(Encoding.UTF8.GetBytes("only on b")), "the refused open changed nothing");
        }
    }

    [Test]
    public async Task Reopen_WithANodeAdded_OpensEveryNode()
    {
        using (var cluster = Open())
        {
            await cluster.WriteAsync(A, [Entry("k0", "on a")], CancellationToken.None);
        }

        using var grown = new RocksDbCluster(new RocksDbClusterOptions { RootDirectory = Folder.Path }, [A, B, new NodeId("c")]);
        Assert.That(grown.Node(A).Get(Key("k0")).Value?.ToArray(), Is.EqualTo(Encoding.UTF8.GetBytes("on a")));
        Assert.That(grown.Nodes, Has.Count.EqualTo(3));
    }

    [Test]
    public void Open_WithAForeignFolderBesideTheNodes_OpensNormally()
    {
        Directory.CreateDirectory(Path.Combine(Folder.Path, "node-old-but-empty"));
        Directory.CreateDirectory(Path.Combine(Folder.Path, "backups"));

        using var cluster = Open();
        Assert.That(cluster.Nodes, Is.EqualTo(new[] { A, B }));
    }

    [Test]
    public void Nodes_CastBackToAnArray_CannotBeChangedUnderTheCluster()
    {
        // The node list was the cluster's own array: a cast back to NodeId[] could rename a node in the list the executor
        // reads while the cluster's stores stayed under the old id.
        using var cluster = Open();

        Assert.That(cluster.Nodes, Is.Not.InstanceOf<NodeId[]>());
        Assert.That(cluster.Nodes, Is.EqualTo(new[] { A, B }));
    }

    [Test]
    public async Task Checksum_AfterReopen_ReportsASequenceAboveEveryEarlierWrite()
    {
        long before;
        using (var cluster = Open())
        {
            for (var i = 0; i < 5; i++)
            {
                await Put(cluster, A, "k" + i, "v");
            }

            before = (await cluster.ChecksumAsync(A, KeyRange.Full, CancellationToken.None)).Sequence;
        }

        using var reopened = Open();
        var after = await reopened.ChecksumAsync(A, KeyRange.Full, CancellationToken.None);

        Assert.That(after.Sequence, Is.GreaterThanOrEqualTo(before));
        Assert.That(after.KeyCount, Is.EqualTo(5));
    }

    [Test]
    public async Task ChangeFeed_UnderConcurrentWriters_KeepsEachWritersOrderAndReplaysToTheSource()
    {
        using var cluster = Open();
        var range = KeyRange.FromStrings("k", "l");
        var capture = await cluster.StartChangeCaptureAsync(A, range, "concurrent", CancellationToken.None);
        const int Writers = 4;
        const int WritesEach = 300;

        // Writers share keys, so the final value of a key depends on the order RocksDB applied the writes in.
        await Task.WhenAll(Enumerable.Range(0, Writers).Select(w => Task.Run(async () =>
        {
            for (var i = 0; i < WritesEach; i++)
            {
                var key = Key("k" + (i % 17).ToString("D2", System.Globalization.CultureInfo.InvariantCulture));
                var result = i % 11 == 10
                    ? await cluster.Node(A).DeleteAsync(key, CancellationToken.None)
                    : await cluster.Node(A).PutAsync(key, Encoding.UTF8.GetBytes($"{w}:{i}"), CancellationToken.None);
                Assert.That(result.Applied, Is.True);
                await Put(cluster, A, "z" + w, "noise outside the range");
            }
        })));

        var changes = await cluster.ReadChangesAsync(capture, capture.StartSequence, 100_000, CancellationToken.None);
        await cluster.ApplyChangesAsync(B, changes, CancellationToken.None);
        var source = await cluster.ChecksumAsync(A, range, CancellationToken.None);
        var target = await cluster.ChecksumAsync(B, range, CancellationToken.None);

        Assert.That(changes, Has.Count.EqualTo(Writers * WritesEach));
        Assert.That(changes.Zip(changes.Skip(1)).All(p => p.First.Sequence < p.Second.Sequence), Is.True, "strictly increasing sequences");
        Assert.That(target.SameContentAs(source), Is.True, "replaying the feed in sequence order reproduces the source");
        for (var w = 0; w < Writers; w++)
        {
            var own = changes.Where(c => !c.IsDelete && Encoding.UTF8.GetString(c.Value!.Value.Span).StartsWith($"{w}:", StringComparison.Ordinal))
                .Select(c => int.Parse(Encoding.UTF8.GetString(c.Value!.Value.Span).AsSpan(2), System.Globalization.CultureInfo.InvariantCulture))
                .ToList();
            Assert.That(own, Is.Ordered.Ascending, $"writer {w}'s writes appear in the order it made them");
        }
    }

    [Test]
    public async Task DeleteRange_OverACapturedRange_LogsEachDeletedKey()
    {
        using var cluster = Open();
        await cluster.WriteAsync(A, [Entry("k1", "x"), Entry("k2", "y"), Entry("m1", "z")], CancellationToken.None);
        await cluster.WriteAsync(B, [Entry("k1", "x"), Entry("k2", "y")], CancellationToken.None);
        var capture = await cluster.StartChangeCaptureAsync(A, KeyRange.Full, "deletes", CancellationToken.None);

        await cluster.DeleteRangeAsync(A, new KeyRange(ShardKey.FromString("k"), null), CancellationToken.None);
        var changes = await cluster.ReadChangesAsync(capture, capture.StartSequence, 100, CancellationToken.None);
        await cluster.ApplyChangesAsync(B, changes, CancellationToken.None);

        Assert.That(changes.Select(c => (c.Key.ToString(), c.IsDelete)), Is.EqualTo(new[] { ("k1", true), ("k2", true), ("m1", true) }));
        Assert.That((await cluster.ChecksumAsync(A, KeyRange.Full, CancellationToken.None)).KeyCount, Is.Zero);
        Assert.That((await cluster.ChecksumAsync(B, KeyRange.Full, CancellationToken.None)).KeyCount, Is.Zero);
    }

    [Test]
    public async Task ReadChunk_OnALongScanWithCancellation_StopsWithOperationCanceled()
    {
        using var cluster = Open();
        await cluster.WriteAsync(A, Enumerable.Range(0, 5000).Select(i => Entry("k" + i.ToString("D5", System.Globalization.CultureInfo.InvariantCulture), "v")).ToList(), CancellationToken.None);
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();

        Assert.That(async () => await cluster.ChecksumAsync(A, KeyRange.Full, cts.Token), Throws.InstanceOf<OperationCanceledException>());
        Assert.That((await cluster.ChecksumAsync(A, KeyRange.Full, CancellationToken.None)).KeyCount, Is.EqualTo(5000));
    }

    [Test]
    public async Task OpenCapturesAndFences_AreListedUntilStoppedOrReleased()
    {
        using var cluster = Open();
        await cluster.StartChangeCaptureAsync(A, KeyRange.Full, "listed", CancellationToken.None);
        var fence = await cluster.FenceWritesAsync(A, KeyRange.Full, CancellationToken.None);

        Assert.That(cluster.Node(A).OpenCaptureIds, Is.EqualTo(new[] { "listed" }));
        Assert.That(cluster.Node(A).ActiveFences, Is.EqualTo(1));
        Assert.That(cluster.Node(B).OpenCaptureIds, Is.Empty);

        await cluster.StopChangeCaptureAsync(A, "listed", CancellationToken.None);
        await fence.DisposeAsync();
        await fence.DisposeAsync();

        Assert.That(cluster.Node(A).OpenCaptureIds, Is.Empty);
        Assert.That(cluster.Node(A).ActiveFences, Is.Zero);
    }

    [Test]
    public void Open_TheSameFolderTwice_IsRefusedByRocksDbsLock()
    {
        using var first = Open();

        Assert.That(() => Open(), Throws.InstanceOf<RocksDbSharp.RocksDbException>());
    }

    [Test]
    public async Task Open_TheSameFolderTwice_LeavesTheOpenClustersCopyFilesAlone()
    {
        using var first = Open();
        await first.WriteAsync(B, [Entry("k1", "one"), Entry("k2", "two")], CancellationToken.None);
        var range = KeyRange.FromStrings("k", "l");
        var copy = await first.OpenCopyAsync(B, A, range, range.Start, CancellationToken.None);
        await using (copy)
        {
            var step = await copy.CopyNextAsync(1 << 20, CancellationToken.None);
            Assert.That(step.Keys, Is.EqualTo(2));

            // Refused by RocksDB's lock on node a's folder, the second open must not have touched that node's files.
            Assert.That(() => Open(), Throws.InstanceOf<RocksDbSharp.RocksDbException>());

            await copy.CommitAsync(CancellationToken.None);
        }

        Assert.That(first.Node(A).Get(ShardKey.FromString("k2")).Value?.ToArray(), Is.EqualTo(Encoding.UTF8.GetBytes("two")));
    }

    [Test]
    public void Open_WithAnUnreadableCaptureRecord_ThrowsNamingItAndLeavesTheFolderUnlocked()
    {
        Open().Dispose();
        var families = new RocksDbSharp.ColumnFamilies
        {
            { RocksDbNode.ChangesFamilyName, new RocksDbSharp.ColumnFamilyOptions() },
            { RocksDbNode.CapturesFamilyName, new RocksDbSharp.ColumnFamilyOptions() },
        };
        using (var db = RocksDbSharp.RocksDb.Open(new RocksDbSharp.DbOptions(), Path.Combine(Folder.Path, "node-a"), families))
        {
            // A capture record (tag 1, id "move-9") cut short.
            db.Put([0x01, .. Encoding.UTF8.GetBytes("move-9")], [0, 0, 0], db.GetColumnFamily(RocksDbNode.CapturesFamilyName));
        }

        Assert.That(() => Open(), Throws.InstanceOf<InvalidDataException>().With.Message.Contains("'move-9'"));

        // The failed open closed the database again: RocksDB's lock does not refuse the next attempt.
        Assert.That(() => Open(), Throws.InstanceOf<InvalidDataException>());
    }

    [Test]
    public void Constructor_WithDuplicateNode_ThrowsNamingIt()
    {
        var options = new RocksDbClusterOptions { RootDirectory = Folder.Path };

        Assert.That(() => new RocksDbCluster(options, [A, A]), Throws.ArgumentException.With.Message.Contains("'a'"));
        Assert.That(() => new RocksDbCluster(options, []), Throws.ArgumentException);
    }

    [Test]
    public void Constructor_WithNodeIdsThatDifferOnlyByCase_ThrowsNamingBothBeforeCreatingAFolder()
    {
        // Each node's folder is named after its id: "X" and "x" got node-X and node-x, one folder on a case-insensitive file
        // system (Windows, macOS by default), where the second node opened the first's database, or failed on its lock.
        var root = Path.Combine(Folder.Path, "case");
        var options = new RocksDbClusterOptions { RootDirectory = root };

        Assert.That(
            () => new RocksDbCluster(options, [new NodeId("X"), new NodeId("b"), new NodeId("x")]),
            Throws.ArgumentException.With.Message.Contains("'X'").And.Message.Contains("'x'").And.Message.Contains("case"));
        Assert.That(Directory.Exists(root) ? Directory.GetDirectories(root) : [], Is.Empty, "no node was opened");
    }

    [TestCase(244, "")]
    [TestCase(49, "é")]
    public void Constructor_WithANodeIdTooLongForItsFolderName_ThrowsNamingTheLimitBeforeCreatingAFolder(int length, string letter)
    {
        // A node's folder is named after its id (node-<id>, other than ASCII letters, digits, '-' and '_' escaped as ~XX per
        // UTF-8 byte) and its ingest folder adds ".ingest": past the file system's 255 bytes a name, RocksDB failed to
        // open the node with an IO error that named neither the id nor the limit.
        var root = Path.Combine(Folder.Path, "long");
        var id = new NodeId(string.Concat(Enumerable.Repeat(letter.Length == 0 ? "a" : letter, length)));
        var options = new RocksDbClusterOptions { RootDirectory = root };

        Assert.That(
            () => new RocksDbCluster(options, [new NodeId("b"), id]),
            Throws.ArgumentException.With.Message.Contains(id.Value[..8]).And.Message.Contains("248"));
        Assert.That(Directory.Exists(root) ? Directory.GetDirectories(root) : [], Is.Empty, "no node was opened");
        var longest = new NodeId(string.Concat(Enumerable.Repeat(letter.Length == 0 ? "a" : letter, length - 1)));
        using var cluster = new RocksDbCluster(options, [longest]);
        Assert.That(cluster.Nodes, Has.Count.EqualTo(1), "one character less opens");
    }

    [Test]
    public void Node_Unknown_ThrowsNamingIt()
    {
        using var cluster = Open();

        Assert.That(() => cluster.Node(new NodeId("zz")), Throws.ArgumentException.With.Message.Contains("'zz'"));
    }

    [TestCase("", 16L * 1024 * 1024, 2, "RootDirectory")]
    [TestCase("x", 100L, 2, "WriteBufferBytes")]
    [TestCase("x", 16L * 1024 * 1024, 0, "BackgroundThreads")]
    [TestCase("x", 16L * 1024 * 1024, 65, "BackgroundThreads")]
    public void Options_Validate_NamesTheBadSetting(string root, long writeBuffer, int threads, string name)
    {
        var options = new RocksDbClusterOptions { RootDirectory = root, WriteBufferBytes = writeBuffer, BackgroundThreads = threads };

        Assert.That(options.Validate, Throws.InstanceOf<ArgumentException>().With.Message.Contains(name));
    }

    [Test]
    public void FolderName_KeepsSafeCharactersAndEscapesTheRest()
    {
        Assert.That(RocksDbCluster.FolderName(new NodeId("node-1_a")), Is.EqualTo("node-node-1_a"));
        Assert.That(RocksDbCluster.FolderName(new NodeId("../x")), Is.EqualTo("node-~2E~2E~2Fx"));
    }

    [Test]
    public async Task Dispose_ThenCall_ThrowsObjectDisposed()
    {
        var cluster = Open();
        await Put(cluster, A, "k", "v");
        cluster.Dispose();

        Assert.That(() => cluster.Node(A).Get(Key("k")), Throws.InstanceOf<ObjectDisposedException>());
    }

    private static ShardKey Key(string text) => ShardKey.FromString(text);

    private static async Task Put(RocksDbCluster cluster, NodeId node, string key, string value)
    {
        var result = await cluster.Node(node).PutAsync(Key(key), Encoding.UTF8.GetBytes(value), CancellationToken.None);
        Assert.That(result.Applied, Is.True);
    }
}
