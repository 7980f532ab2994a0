using PredictiveSharding.Execution.Journal;

namespace PredictiveSharding.Execution.Tests.Journal;

public sealed class FileMoveJournalTests
{
    private DirectoryInfo _directory = null!;

    private string PathOf(string name) => Path.Combine(_directory.FullName, name);

    [SetUp]
    public void CreateDirectory() => _directory = Directory.CreateTempSubdirectory("psharding-journal-");

    [TearDown]
    public void DeleteDirectory() => _directory.Delete(recursive: true);

    [Test]
    public async Task OpenAsync_AfterAppends_ReturnsTheRecordsInOrder()
    {
        var path = PathOf("j");
        await using (var journal = await FileMoveJournal.OpenAsync(path, "cluster-1"))
        {
            await journal.AppendAsync(Record("a", MoveState.Preparing), CancellationToken.None);
            await journal.AppendAsync(Record("a", MoveState.Copying) with { RangeEnd = "FF00" }, CancellationToken.None);
            await journal.AppendAsync(Record("b", MoveState.Publishing) with { SplitKeys = ["6B"], NewPartitions = ["x", "y"] }, CancellationToken.None);
        }

        await using var reopened = await FileMoveJournal.OpenAsync(path, "cluster-1");
        var contents = await reopened.ReadAsync(CancellationToken.None);

        Assert.That(contents.Repair, Is.Null);
        Assert.That(contents.Records.Select(r => (r.ActionId, r.State)), Is.EqualTo(new[] { ("a", MoveState.Preparing), ("a", MoveState.Copying), ("b", MoveState.Publishing) }));
        Assert.That(contents.Records[1].RangeEnd, Is.EqualTo("FF00"));
        Assert.That(contents.Records[2].NewPartitions, Is.EqualTo(new[] { "x", "y" }));
        Assert.That(reopened.ClusterId, Is.EqualTo("cluster-1"));
    }

    [Test]
    public async Task AppendWithoutSyncAsync_InterleavedWithSyncedAppends_KeepsEveryRecordInOrderForAProcessThatComesBack()
    {
        var path = PathOf("j");
        MoveJournalRecord[] records = [Record("a", MoveState.Preparing), Record("a", MoveState.Copying), Record("a", MoveState.CuttingOver), Record("a", MoveState.Completed)];
        var journal = await FileMoveJournal.OpenAsync(path, "c");
        await journal.AppendAsync(records[0], CancellationToken.None);
        await journal.AppendWithoutSyncAsync(records[1], CancellationToken.None);
        await journal.AppendAsync(records[2], CancellationToken.None);
        await journal.AppendWithoutSyncAsync(records[3], CancellationToken.None);
        Assert.That((await journal.ReadAsync(CancellationToken.None)).Records, Has.Count.EqualTo(4));

        // Handed to the operating system, not held in the stream's buffer: a crash of the process would keep it.
        Assert.That(new FileInfo(path).Length, Is.EqualTo(FileMoveJournal.BuildHeader("c").Length + records.Sum(r => FileMoveJournal.Encode(r).Length)));
        await journal.DisposeAsync();

        await using var reopened = await FileMoveJournal.OpenAsync(path, "c");
        var contents = await reopened.ReadAsync(CancellationToken.None);
        Assert.That(contents.Repair, Is.Null);
        Assert.That(contents.Records.Select(r => r.State), Is.EqualTo(records.Select(r => r.State)));
    }

    [TestCase(1)]
    [TestCase(3)]
    [TestCase(20)]
    public async Task OpenAsync_WhenTheLastRecordIsTorn_CutsItOffAndReportsIt(int missingBytes)
    {
        var path = PathOf("j");
        long intactLength;
        await using (var journal = await FileMoveJournal.OpenAsync(path, "c"))
        {
            await journal.AppendAsync(Record("a", MoveState.Preparing), CancellationToken.None);
            intactLength = new FileInfo(path).Length;
            await journal.AppendAsync(Record("a", MoveState.Copying), CancellationToken.None);
        }

        var full = new FileInfo(path).Length;
        await using (var file = new FileStream(path, FileMode.Open))
        {
            file.SetLength(full - missingBytes);
        }

        await using (var reopened = await FileMoveJournal.OpenAsync(path, "c"))
        {
            var contents = await reopened.ReadAsync(CancellationToken.None);
            Assert.That(contents.Records.Select(r => r.State), Is.EqualTo(new[] { MoveState.Preparing }));
            Assert.That(contents.Repair, Is.Not.Null);
            Assert.That(contents.Repair!.Offset, Is.EqualTo(intactLength));
            Assert.That(contents.Repair.DroppedBytes, Is.EqualTo(full - missingBytes - intactLength));
            Assert.That(contents.Repair.Reason, Does.Contain("torn"));
            Assert.That(new FileInfo(path).Length, Is.EqualTo(intactLength), "the torn bytes are removed from the file");
            await reopened.AppendAsync(Record("a", MoveState.RollingBack), CancellationToken.None);
        }

        await using var again = await FileMoveJournal.OpenAsync(path, "c");
        var after = await again.ReadAsync(CancellationToken.None);
        Assert.That(after.Repair, Is.Null);
        Assert.That(after.Records.Select(r => r.State), Is.EqualTo(new[] { MoveState.Preparing, MoveState.RollingBack }));
    }

    [Test]
    public async Task OpenAsync_WhenALaterRecordIsCorrupted_TrustsNothingFromItOn()
    {
        var path = PathOf("j");
        long secondStart;
        await using (var journal = await FileMoveJournal.OpenAsync(path, "c"))
        {
            await journal.AppendAsync(Record("a", MoveState.Preparing), CancellationToken.None);
            secondStart = new FileInfo(path).Length;
            await journal.AppendAsync(Record("a", MoveState.Copying), CancellationToken.None);
            await journal.AppendAsync(Record("a", MoveState.CatchingUp), CancellationToken.None);
        }

        var bytes = await File.ReadAllBytesAsync(path);
        bytes[secondStart + 10] ^= 0x20;
        await File.WriteAllBytesAsync(path, bytes);

        await using var reopened = await FileMoveJournal.OpenAsync(path, "c");
        var contents = await reopened.ReadAsync(CancellationToken.None);

        Assert.That(contents.Records.Select(r => r.State), Is.EqualTo(new[] { MoveState.Preparing }));
        Assert.That(contents.Repair!.Reason, Does.Contain("checksum mismatch"));
        Assert.That(contents.Repair.Offset, Is.EqualTo(secondStart));
    }

    [Test]
    public async Task OpenAsync_WhenARecordLengthIsImpossible_CutsTheTail()
    {
        var path = PathOf("j");
        await using (var journal = await FileMoveJournal.OpenAsync(path, "c"))
        {
            await journal.AppendAsync(Record("a", MoveState.Preparing), CancellationToken.None);
        }

        await using (var file = new FileStream(path, FileMode.Append))
        {
            await file.WriteAsync(new byte[] { 0xFF, 0xFF, 0xFF, 0x7F, 1, 2, 3, 4, 5, 6, 7, 8 });
        }

        await using var reopened = await FileMoveJournal.OpenAsync(path, "c");
        var contents = await reopened.ReadAsync(CancellationToken.None);

        Assert.That(contents.Records, Has.Count.EqualTo(1));
        Assert.That(contents.Repair!.Reason, Does.Contain("corrupted record length"));
        Assert.That(contents.Repair.DroppedBytes, Is.EqualTo(12));
    }

    [Test]
    public async Task AppendAsync_WithARecordLargerThanOpeningAccepts_IsRefusedAndDoesNotCostTheRecordsAfterIt()
    {
        // Opening treats a length over FileMoveJournal.MaxRecordBytes as corruption and drops it and everything after it,
        // so appending such a record (a range bound of a 600 KB key, 1.2 MB in hex) must fail instead of claiming durability.
        var path = PathOf("j");
        var hugeKey = new string('A', 1_200_000);
        await using (var journal = await FileMoveJournal.OpenAsync(path, "c"))
        {
            await journal.AppendAsync(Record("a", MoveState.Preparing), CancellationToken.None);
            var error = Assert.ThrowsAsync<ArgumentException>(async () => await journal.AppendAsync(Record("big", MoveState.Preparing) with { RangeStart = hugeKey }, CancellationToken.None))!;
            Assert.That(error.Message, Does.Contain("'big'").And.Contain(FileMoveJournal.MaxRecordBytes.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            Assert.That((await journal.ReadAsync(CancellationToken.None)).Records.Select(r => r.ActionId), Is.EqualTo(new[] { "a" }));
            await journal.AppendAsync(Record("b", MoveState.CuttingOver), CancellationToken.None);
        }

        await using var reopened = await FileMoveJournal.OpenAsync(path, "c");
        var contents = await reopened.ReadAsync(CancellationToken.None);
        Assert.That(contents.Repair, Is.Null);
        Assert.That(contents.Records.Select(r => r.ActionId), Is.EqualTo(new[] { "a", "b" }), "a durable record after the refused one survives the reopen");
    }

    [Test]
    public async Task OpenAsync_WithAClusterIdLongerThanTheHeaderAllows_IsRefusedBeforeCreatingAJournalItCouldNotReopen()
    {
        // Opening accepts a header whose cluster id is at most 4096 UTF-8 bytes; creating a journal with a longer id would
        // write a header that every later open (the recovery after a crash) refuses as corrupted.
        var path = PathOf("j");
        var longId = new string('c', 5000);

        var error = Assert.ThrowsAsync<ArgumentException>(async () => await FileMoveJournal.OpenAsync(path, longId))!;

        Assert.That(error.ParamName, Is.EqualTo("clusterId"));
        Assert.That(error.Message, Does.Contain("5000").And.Contain("4096"));
        Assert.That(File.Exists(path), Is.False, "no journal was created");
        await Task.CompletedTask;
    }

    [Test]
    public async Task OpenAsync_ForAnotherCluster_IsRefusedNamingBothClusters()
    {
        var path = PathOf("j");
        await using (var journal = await FileMoveJournal.OpenAsync(path, "blue"))
        {
            await journal.AppendAsync(Record("a", MoveState.Preparing), CancellationToken.None);
        }

        var error = Assert.ThrowsAsync<JournalClusterMismatchException>(async () => await FileMoveJournal.OpenAsync(path, "green"))!;

        Assert.That(error.Message, Does.Contain("'blue'").And.Contain("'green'"));
        Assert.That(error.JournalClusterId, Is.EqualTo("blue"));
        await using var stillThere = await FileMoveJournal.OpenAsync(path, "blue");
        Assert.That((await stillThere.ReadAsync(CancellationToken.None)).Records, Has.Count.EqualTo(1), "a refused open changes nothing");
    }

    [Test]
    public async Task OpenAsync_OnAFileThatIsNotAJournal_ThrowsInvalidData()
    {
        var path = PathOf("not-a-journal");
        await File.WriteAllTextAsync(path, "hello, world");

        Assert.That(async () => await FileMoveJournal.OpenAsync(path, "c"), Throws.InstanceOf<InvalidDataException>().With.Message.Contains("not a move journal"));
        Assert.That(await File.ReadAllTextAsync(path), Is.EqualTo("hello, world"));
    }

    [Test]
    public async Task OpenAsync_WhenTheHeaderIsCorrupted_ThrowsInvalidData()
    {
        var path = PathOf("j");
        await (await FileMoveJournal.OpenAsync(path, "cluster")).DisposeAsync();
        var bytes = await File.ReadAllBytesAsync(path);
        bytes[13] ^= 0x01;
        await File.WriteAllBytesAsync(path, bytes);

        Assert.That(async () => await FileMoveJournal.OpenAsync(path, "cluster"), Throws.InstanceOf<InvalidDataException>().With.Message.Contains("corrupted header"));
    }

    [Test]
    public async Task OpenAsync_WhenTheHeaderClusterIdLengthIsCorruptedPastTheFileEnd_ThrowsAndKeepsTheRecords()
    {
        // A bit flip in the header's id-length field makes the header look longer than the file. That is corruption, not a
        // torn creation (the file holds records after the header), and must not re-create the journal empty.
        var path = PathOf("j");
        await using (var journal = await FileMoveJournal.OpenAsync(path, "cluster"))
        {
            await journal.AppendAsync(Record("a", MoveState.Preparing), CancellationToken.None);
            await journal.AppendAsync(Record("a", MoveState.CuttingOver), CancellationToken.None);
        }

        var bytes = await File.ReadAllBytesAsync(path);
        bytes[9] ^= 0x08; // id length 7 -> 2055, longer than the whole file
        await File.WriteAllBytesAsync(path, bytes);

        Assert.That(async () => await FileMoveJournal.OpenAsync(path, "cluster"), Throws.InstanceOf<InvalidDataException>().With.Message.Contains("corrupted header"));
        Assert.That(await File.ReadAllBytesAsync(path), Is.EqualTo(bytes), "a journal that cannot be trusted is left as it is for an operator");
    }

    [Test]
    public async Task OpenAsync_WhenCreationWasTorn_RecreatesTheJournalAndReportsIt()
    {
        var path = PathOf("j");
        await File.WriteAllBytesAsync(path, "PSMJ\u0001"u8.ToArray());

        await using var journal = await FileMoveJournal.OpenAsync(path, "c");
        var contents = await journal.ReadAsync(CancellationToken.None);

        Assert.That(contents.Records, Is.Empty);
        Assert.That(contents.Repair!.Reason, Does.Contain("header was incomplete"));
    }

    [Test]
    public async Task OpenAsync_WhileAnotherExecutorHasTheJournalOpen_Throws()
    {
        var path = PathOf("j");
        await using var first = await FileMoveJournal.OpenAsync(path, "c");

        Assert.That(async () => await FileMoveJournal.OpenAsync(path, "c"), Throws.InstanceOf<IOException>());
    }

    [Test]
    public async Task RewriteAsync_OfAJournalOpenedThroughASymbolicLink_LeavesTheFileTheLinkPointedToReadable()
    {
        // The rename replaces the link itself, so the file it pointed to keeps its name; marking it retired (as a file
        // left without a name is) made a redeploy that restores the link refuse it for good (found by review).
        Assume.That(OperatingSystem.IsWindows(), Is.False, "Windows cannot rename over an open file; there a rewrite gives the lock up");
        var target = PathOf("target");
        var link = PathOf("link");
        await using (var first = await FileMoveJournal.OpenAsync(target, "c"))
        {
            await first.AppendAsync(Record("a", MoveState.Copying), CancellationToken.None);
        }

        File.CreateSymbolicLink(link, target);
        await using (var journal = await FileMoveJournal.OpenAsync(link, "c"))
        {
            await journal.RewriteAsync([Record("a", MoveState.CatchingUp)], CancellationToken.None);
        }

        Assert.That(new FileInfo(link).LinkTarget, Is.Null, "the rename replaced the link with the new file");
        await using var old = await FileMoveJournal.OpenAsync(target, "c");
        var contents = await old.ReadAsync(CancellationToken.None);
        Assert.That(contents.Records.Select(r => r.State), Is.EqualTo(new[] { MoveState.Copying }), "the old file is the journal it was");
    }

    [Test]
    public async Task RewriteAsync_WhileAnotherTaskKeepsOpeningTheJournal_NeverLetsItInAndKeepsAppending()
    {
        // A rewrite used to close the journal before renaming the new file over it and reopen it after: an OpenAsync in
        // between got the journal, and if it still held it at the reopen, the rewrite failed and left a closed stream. An
        // open that reaches the replaced file just before the rename must not lock it once it is closed and take it either.
        Assume.That(OperatingSystem.IsWindows(), Is.False, "Windows cannot rename over an open file; there a rewrite gives the lock up");
        var path = PathOf("j");
        await using var owner = await FileMoveJournal.OpenAsync(path, "c");
        await owner.AppendAsync(Record("a", MoveState.Copying), CancellationToken.None);
        using var stop = new CancellationTokenSource();
        var attempts = 0;
        var opened = 0;
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var intruder = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                attempts++;
                started.TrySetResult();
                try
                {
                    await using var second = await FileMoveJournal.OpenAsync(path, "c");
                    opened++;
                }
                catch (IOException)
                {
                    // Refused: the owner holds the journal.
                }
            }
        });

        // On a loaded machine the intruder may not be scheduled before 500 rewrites are done: wait for its first attempt.
        await started.Task;
        for (var i = 0; i < 500; i++)
        {
            await owner.RewriteAsync([Record("a", MoveState.Copying)], CancellationToken.None);
            await owner.AppendAsync(Record("a", MoveState.CatchingUp), CancellationToken.None);
        }

        await stop.CancelAsync();
        await intruder;
        Assert.That(attempts, Is.GreaterThan(0));
        Assert.That(opened, Is.Zero, "an open succeeded while the journal was owned");
        await owner.DisposeAsync();
        await using var reopened = await FileMoveJournal.OpenAsync(path, "c");
        var contents = await reopened.ReadAsync(CancellationToken.None);
        Assert.That(contents.Records.Select(r => r.State), Is.EqualTo(new[] { MoveState.Copying, MoveState.CatchingUp }));
        Assert.That(contents.Repair, Is.Null);
    }

    [Test]
    public async Task RewriteAsync_WhenCancelledWhileWritingTheNewFile_KeepsTheOldFileAndItsAppends()
    {
        var path = PathOf("j");
        await using (var journal = await FileMoveJournal.OpenAsync(path, "c"))
        {
            await journal.AppendAsync(Record("a", MoveState.Copying), CancellationToken.None);
            using var cancelled = new CancellationTokenSource();
            await cancelled.CancelAsync();

            Assert.That(async () => await journal.RewriteAsync([Record("b", MoveState.Copying)], cancelled.Token), Throws.InstanceOf<OperationCanceledException>());
            await journal.AppendAsync(Record("a", MoveState.CatchingUp), CancellationToken.None);
            Assert.That(async () => await FileMoveJournal.OpenAsync(path, "c"), Throws.InstanceOf<IOException>(), "the journal is still locked");
        }

        await using var reopened = await FileMoveJournal.OpenAsync(path, "c");
        var contents = await reopened.ReadAsync(CancellationToken.None);
        Assert.That(contents.Records.Select(r => (r.ActionId, r.State)), Is.EqualTo(new[] { ("a", MoveState.Copying), ("a", MoveState.CatchingUp) }));
    }

    [Test]
    public async Task RewriteAsync_WhenTheRenameFails_DeletesTheNewFileAndThrowsTheRenamesError()
    {
        if (OperatingSystem.IsWindows())
        {
            Assert.Ignore("Windows cannot unlink the open journal to put a directory in its place.");
        }

        // The rename over the journal fails (here a directory has taken the journal's name). The new file, written whole,
        // was left beside the journal until the next rewrite overwrote it (for good, if none came): as much disk as the
        // journal, often on a disk that had just run full. It is deleted, and the error the caller gets is the rename's.
        var path = PathOf("j");
        await using var journal = await FileMoveJournal.OpenAsync(path, "c");
        await journal.AppendAsync(Record("a", MoveState.Copying), CancellationToken.None);
        File.Delete(path);
        Directory.CreateDirectory(path);

        Assert.That(async () => await journal.RewriteAsync([Record("b", MoveState.Copying)], CancellationToken.None), Throws.InstanceOf<IOException>());

        Assert.That(File.Exists(path + ".rewrite"), Is.False, "the temporary file is deleted");
        Assert.That((await journal.ReadAsync(CancellationToken.None)).Records.Select(r => r.ActionId), Is.EqualTo(new[] { "a" }));
    }

    [TestCase(false)]
    [TestCase(true)]
    public void OpenAsync_WithThePathOfAFolder_ThrowsArgumentExceptionSayingItIsAFolder(bool trailingSeparator)
    {
        // A journal path naming a folder (a "journal directory", or a path ending in a separator) failed with "Access to
        // the path is denied" (an UnauthorizedAccessException, not the IOException documented), which reads as a
        // permissions problem, and the trailing-separator form created the folder on its way.
        var folder = PathOf("journals");
        if (!trailingSeparator)
        {
            Directory.CreateDirectory(folder);
        }

        var path = trailingSeparator ? folder + Path.DirectorySeparatorChar : folder;

        Assert.That(
            async () => await FileMoveJournal.OpenAsync(path, "c"),
            Throws.ArgumentException.With.Message.Contains("folder").And.Message.Contains(folder).And.Property(nameof(ArgumentException.ParamName)).EqualTo("path"));
        Assert.That(Directory.Exists(folder), Is.EqualTo(!trailingSeparator), "nothing is created for a refused path");
    }

    [Test]
    public async Task OpenAsync_AfterACrashMidRewrite_DeletesTheRewritesLeftoverFile()
    {
        // A crash while a rewrite wrote its new file leaves that file (up to the journal's size) beside the journal. The
        // next rewrite would overwrite it, but a recovery only rewrites a journal holding a finished action, and it was
        // kept for good otherwise. The process that opens the journal holds its lock, so no rewrite of it is running.
        var path = PathOf("j");
        await using (var journal = await FileMoveJournal.OpenAsync(path, "c"))
        {
            await journal.AppendAsync(Record("a", MoveState.Copying), CancellationToken.None);
        }

        await File.WriteAllBytesAsync(path + ".rewrite", FileMoveJournal.BuildHeader("c"));

        await using var reopened = await FileMoveJournal.OpenAsync(path, "c");

        Assert.That(File.Exists(path + ".rewrite"), Is.False, "the leftover file is deleted");
        Assert.That((await reopened.ReadAsync(CancellationToken.None)).Records.Select(r => r.ActionId), Is.EqualTo(new[] { "a" }));
    }

    [Test]
    public async Task OpenAsync_WhileAnotherExecutorHasTheJournalOpen_LeavesItsRewritesFileAlone()
    {
        var path = PathOf("j");
        await using var journal = await FileMoveJournal.OpenAsync(path, "c");
        await File.WriteAllBytesAsync(path + ".rewrite", FileMoveJournal.BuildHeader("c"));

        Assert.That(async () => await FileMoveJournal.OpenAsync(path, "c"), Throws.InstanceOf<IOException>());

        Assert.That(File.Exists(path + ".rewrite"), Is.True, "the file of the executor that has the journal open is not touched");
    }

    [Test]
    public async Task RewriteAsync_WhenSomethingElseIsWhereTheNewFileGoes_LeavesItAlone()
    {
        // Only the file the rewrite created is deleted; a directory in its way is not the rewrite's to remove.
        var path = PathOf("j");
        await using var journal = await FileMoveJournal.OpenAsync(path, "c");
        Directory.CreateDirectory(path + ".rewrite");
        File.WriteAllText(Path.Combine(path + ".rewrite", "keep"), "x");

        Assert.That(async () => await journal.RewriteAsync([Record("a", MoveState.Copying)], CancellationToken.None), Throws.InstanceOf<IOException>().Or.InstanceOf<UnauthorizedAccessException>());

        Assert.That(File.Exists(Path.Combine(path + ".rewrite", "keep")), Is.True);
    }

    [Test]
    public async Task RewriteAsync_WhenTheNewFileCannotBeWritten_KeepsTheOldFileReadableAndAppendable()
    {
        // The executor compacts the journal after a plan and goes on when that fails: the journal must still hold every
        // record, accept appends and reopen whole. (A directory where the new file goes makes its creation fail.)
        var path = PathOf("j");
        await using (var journal = await FileMoveJournal.OpenAsync(path, "c"))
        {
            await journal.AppendAsync(Record("a", MoveState.Copying), CancellationToken.None);
            await journal.AppendAsync(Record("b", MoveState.Completed), CancellationToken.None);
            Directory.CreateDirectory(path + ".rewrite");

            Assert.That(async () => await journal.RewriteAsync([Record("a", MoveState.Copying)], CancellationToken.None), Throws.InstanceOf<IOException>().Or.InstanceOf<UnauthorizedAccessException>());
            Assert.That((await journal.ReadAsync(CancellationToken.None)).Records.Select(r => r.ActionId), Is.EqualTo(new[] { "a", "b" }));
            await journal.AppendAsync(Record("a", MoveState.CatchingUp), CancellationToken.None);
        }

        await using var reopened = await FileMoveJournal.OpenAsync(path, "c");
        var contents = await reopened.ReadAsync(CancellationToken.None);
        Assert.That(contents.Repair, Is.Null);
        Assert.That(contents.Records.Select(r => (r.ActionId, r.State)), Is.EqualTo(new[] { ("a", MoveState.Copying), ("b", MoveState.Completed), ("a", MoveState.CatchingUp) }));
    }

    [TestCase(true)]
    [TestCase(false)]
    public async Task AppendAsync_AfterAnAppendFailedPartWayThrough_KeepsOnlyTheAppendedRecordsAcrossAReopen(bool sync)
    {
        // A full disk writes part of a record and fails. The record's append threw, so it must not be in the file; and the
        // part written must not stay either, or the next open cuts the journal there, with every record appended after it.
        var path = PathOf("j");
        await using (var journal = await FileMoveJournal.OpenAsync(path, "c"))
        {
            await journal.AppendAsync(Record("a", MoveState.Copying), CancellationToken.None);
            journal.WriteHook = async (stream, bytes) =>
            {
                await stream.WriteAsync(bytes.AsMemory(0, bytes.Length / 2));
                throw new IOException("No space left on device");
            };
            var failing = sync ? journal.AppendAsync(Record("b", MoveState.Copying), CancellationToken.None) : journal.AppendWithoutSyncAsync(Record("b", MoveState.Copying), CancellationToken.None);
            Assert.That(async () => await failing, Throws.InstanceOf<IOException>());
            journal.WriteHook = null;
            await journal.AppendAsync(Record("a", MoveState.CatchingUp), CancellationToken.None);
            Assert.That((await journal.ReadAsync(CancellationToken.None)).Records.Select(r => r.ActionId), Is.EqualTo(new[] { "a", "a" }));
        }

        await using var reopened = await FileMoveJournal.OpenAsync(path, "c");
        var contents = await reopened.ReadAsync(CancellationToken.None);
        Assert.That(contents.Repair, Is.Null);
        Assert.That(contents.Records.Select(r => (r.ActionId, r.State)), Is.EqualTo(new[] { ("a", MoveState.Copying), ("a", MoveState.CatchingUp) }));
    }

    [Test]
    public async Task RewriteAsync_KeepsOnlyTheGivenRecordsAcrossAReopen()
    {
        var path = PathOf("j");
        await using (var journal = await FileMoveJournal.OpenAsync(path, "c"))
        {
            await journal.AppendAsync(Record("a", MoveState.Preparing), CancellationToken.None);
            await journal.AppendAsync(Record("a", MoveState.Completed), CancellationToken.None);
            await journal.AppendAsync(Record("b", MoveState.CleaningUp), CancellationToken.None);
            await journal.RewriteAsync([Record("b", MoveState.CleaningUp)], CancellationToken.None);
            await journal.AppendAsync(Record("b", MoveState.Completed), CancellationToken.None);
        }

        await using var reopened = await FileMoveJournal.OpenAsync(path, "c");
        var contents = await reopened.ReadAsync(CancellationToken.None);

        Assert.That(contents.Records.Select(r => (r.ActionId, r.State)), Is.EqualTo(new[] { ("b", MoveState.CleaningUp), ("b", MoveState.Completed) }));
        Assert.That(File.Exists(path + ".rewrite"), Is.False);
    }

    // What a rewrite's directory sync protects against (a power cut right after the rename bringing the old file back,
    // without the records appended since) cannot be shown by a test; these show the sync runs and reports failures.
    [Test]
    public void DirectorySync_OnARealDirectory_Succeeds()
    {
        Assert.That(() => DirectorySync.Sync(_directory.FullName), Throws.Nothing);
        Assert.That(DirectorySync.IsSupported, Is.EqualTo(!OperatingSystem.IsWindows()));
    }

    [Test]
    public void DirectorySync_OnAMissingDirectory_ThrowsIOExceptionNamingIt()
    {
        Assume.That(DirectorySync.IsSupported, Is.True, "Windows does not sync directories");
        var missing = PathOf("no-such-directory");

        Assert.That(() => DirectorySync.Sync(missing), Throws.InstanceOf<IOException>().With.Message.Contains(missing).And.Message.Contains("open failed"));
    }

    [Test]
    public async Task RewriteAsync_ThenAppendsAndAReopen_KeepsEveryRecordAndLeavesNoTemporaryFile()
    {
        var path = PathOf("j");
        await using (var journal = await FileMoveJournal.OpenAsync(path, "c"))
        {
            for (var i = 0; i < 5; i++)
            {
                await journal.AppendAsync(Record("done" + i, MoveState.Completed), CancellationToken.None);
            }

            await journal.RewriteAsync([Record("a", MoveState.Copying)], CancellationToken.None);
            await journal.AppendAsync(Record("a", MoveState.CatchingUp), CancellationToken.None);
            await journal.AppendWithoutSyncAsync(Record("b", MoveState.Preparing), CancellationToken.None);
            await journal.RewriteAsync([Record("a", MoveState.CatchingUp), Record("b", MoveState.Preparing)], CancellationToken.None);
            await journal.AppendAsync(Record("b", MoveState.Copying), CancellationToken.None);
        }

        await using var reopened = await FileMoveJournal.OpenAsync(path, "c");
        var contents = await reopened.ReadAsync(CancellationToken.None);

        Assert.That(contents.Records.Select(r => (r.ActionId, r.State)), Is.EqualTo(new[] { ("a", MoveState.CatchingUp), ("b", MoveState.Preparing), ("b", MoveState.Copying) }));
        Assert.That(contents.Repair, Is.Null);
        Assert.That(Directory.GetFiles(_directory.FullName).Select(Path.GetFileName), Is.EqualTo(new[] { "j" }));
    }

    [Test]
    public async Task RewriteAsync_WithANullRecord_IsRefusedAndKeepsEveryRecord()
    {
        var path = PathOf("j");
        await using (var journal = await FileMoveJournal.OpenAsync(path, "c"))
        {
            await journal.AppendAsync(Record("a", MoveState.Copying), CancellationToken.None);

            // It used to write JSON null, which the next open took for corruption, cutting off every record after it.
            Assert.That(
                async () => await journal.RewriteAsync([null!, Record("a", MoveState.Copying)], CancellationToken.None),
                Throws.ArgumentException.With.Message.Contains("Record 0 of the 2").And.Property("ParamName").EqualTo("records"));
            await journal.AppendAsync(Record("a", MoveState.CatchingUp), CancellationToken.None);
        }

        await using var reopened = await FileMoveJournal.OpenAsync(path, "c");
        var contents = await reopened.ReadAsync(CancellationToken.None);

        Assert.That(contents.Repair, Is.Null);
        Assert.That(contents.Records.Select(r => r.State), Is.EqualTo(new[] { MoveState.Copying, MoveState.CatchingUp }));
    }

    [Test]
    public async Task InMemoryRewriteAsync_WithANullRecord_IsRefusedAndChangesNothing()
    {
        var journal = new InMemoryMoveJournal("c");
        await journal.AppendAsync(Record("a", MoveState.Copying), CancellationToken.None);

        Assert.That(async () => await journal.RewriteAsync([Record("b", MoveState.Copying), null!], CancellationToken.None), Throws.ArgumentException.With.Message.Contains("Record 1 of the 2"));
        Assert.That(journal.Records.Select(r => r.ActionId), Is.EqualTo(new[] { "a" }));
    }

    [Test]
    public async Task DisposeAsync_WhileARewriteRuns_WaitsForItAndLeavesTheFileClosed()
    {
        var path = PathOf("j");
        var journal = await FileMoveJournal.OpenAsync(path, "c");
        await journal.AppendAsync(Record("old", MoveState.Copying), CancellationToken.None);
        var records = Enumerable.Range(0, 20_000).Select(i => Record("a" + i, MoveState.Copying)).ToList();

        var rewrite = journal.RewriteAsync(records, CancellationToken.None).AsTask();
        await journal.DisposeAsync();

        // Disposal used to close the old stream and the write lock under the rewrite, which then opened the new file and
        // kept it open (FileShare.None: the journal could not be opened again in this process) and failed on the lock.
        await rewrite;
        await using var reopened = await FileMoveJournal.OpenAsync(path, "c");
        var contents = await reopened.ReadAsync(CancellationToken.None);
        Assert.That(contents.Records, Has.Count.EqualTo(records.Count));
        Assert.That(contents.Repair, Is.Null);
    }

    [Test]
    public async Task CreateAsync_WithAJournalOfAnotherCluster_IsRefused()
    {
        var path = PathOf("j");
        await (await FileMoveJournal.OpenAsync(path, "blue")).DisposeAsync();
        var cluster = TestCluster.Create(10);
        var options = TestCluster.FastOptions();
        options.JournalPath = path;
        options.ClusterId = "green";

        Assert.That(async () => await ShardingExecutor.CreateAsync(cluster.Routing, cluster.Store, options), Throws.InstanceOf<JournalClusterMismatchException>());
    }

    [Test]
    public async Task Constructor_WithAJournalOfAnotherClusterThanTheOptionsName_IsRefusedNamingBothClusters()
    {
        // ExecutorOptions.ClusterId refuses another cluster's journal; a journal passed in was used whatever it named, and
        // recovery would then have finished or undone the other cluster's moves against this cluster's store.
        var path = PathOf("j");
        await using var journal = await FileMoveJournal.OpenAsync(path, "blue");
        var cluster = TestCluster.Create(10);
        var options = TestCluster.FastOptions();
        options.ClusterId = "green";

        var error = Assert.Throws<JournalClusterMismatchException>(() => _ = new ShardingExecutor(cluster.Routing, cluster.Store, journal, options))!;
        Assert.That(error.Message, Does.Contain("'blue'").And.Contain("'green'").And.Contain(path));
        Assert.That(() => new ShardingExecutor(cluster.Routing, cluster.Store, new InMemoryMoveJournal("blue"), options), Throws.InstanceOf<JournalClusterMismatchException>());

        options.ClusterId = "blue";
        await using var matching = new ShardingExecutor(cluster.Routing, cluster.Store, journal, options);
        options.ClusterId = null;
        await using var unnamed = new ShardingExecutor(cluster.Routing, cluster.Store, new InMemoryMoveJournal("red"), options);
    }

    [Test]
    public async Task CreateAsync_WithoutAJournalPath_NamesTheMissingOption()
    {
        var cluster = TestCluster.Create(10);
        var options = TestCluster.FastOptions();
        options.ClusterId = "c";

        Assert.That(async () => await ShardingExecutor.CreateAsync(cluster.Routing, cluster.Store, options), Throws.ArgumentException.With.Message.Contains("JournalPath"));
        await Task.CompletedTask;
    }

    [Test]
    public async Task CreateAsync_OpensAFileJournalAndRunsAPlan()
    {
        var cluster = TestCluster.Create();
        var options = TestCluster.FastOptions();
        options.JournalPath = PathOf("sub/dir/moves.journal");
        options.ClusterId = "c";

        await using (var executor = await ShardingExecutor.CreateAsync(cluster.Routing, cluster.Store, options, cluster.Time))
        {
            var report = await executor.ExecuteAsync(TestCluster.Plan(TestCluster.Move("p2", TestCluster.N1, TestCluster.N3)));
            Assert.That(report.AllCompleted, Is.True);
        }

        await using var journal = await FileMoveJournal.OpenAsync(options.JournalPath, "c");
        var records = (await journal.ReadAsync(CancellationToken.None)).Records;
        Assert.That(records.Select(r => r.State), Is.EqualTo(new[] { MoveState.Preparing, MoveState.Copying, MoveState.CatchingUp, MoveState.Verifying, MoveState.CuttingOver, MoveState.CleaningUp, MoveState.Completed }));
        cluster.AssertConsistent();
    }

    private static MoveJournalRecord Record(string id, MoveState state) => new()
    {
        ActionId = id,
        Kind = ActionKind.Move,
        State = state,
        Time = DateTimeOffset.UnixEpoch,
        Partition = "p",
        From = "n1",
        To = "n2",
        RangeStart = "6B313030",
    };
}
