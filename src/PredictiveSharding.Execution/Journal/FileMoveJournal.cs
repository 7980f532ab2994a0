using System.Buffers.Binary;
using System.Globalization;
using System.IO.Hashing;
using System.Text;
using System.Text.Json;

namespace PredictiveSharding.Execution.Journal;

/// <summary>
/// The default <see cref="IMoveJournal"/>: an append-only file. A header holds a magic number, a format version and the
/// cluster id; each record is its length (4 bytes), its JSON and a CRC-32 of both, and is fsynced
/// (<see cref="FileStream.Flush(bool)"/> with <c>true</c>) before <see cref="AppendAsync"/> returns; a record appended with
/// <see cref="AppendWithoutSyncAsync"/> is handed to the operating system (it survives a crash of the process) and becomes
/// durable with the next synced one or when the journal is closed. An append that throws (a full disk) leaves nothing of its
/// record in the file: what was written of it is cut off, before the next append if not at once. On opening, a torn or
/// corrupted tail (a short read, an impossible length, a checksum mismatch, unreadable JSON) is detected, cut off and
/// reported in <see cref="MoveJournalContents.Repair"/>; nothing after the first bad record is trusted. A record of more
/// than 1 MiB (as JSON) is refused with an <see cref="ArgumentException"/> before anything is written.
/// <see cref="RewriteAsync"/> writes and fsyncs a new file, renames it over the journal and, on Linux and macOS, fsyncs
/// the directory, so the rename survives a power cut once it returns (a failed directory sync is an
/// <see cref="IOException"/> naming the directory); a newly created journal's directory is synced the same way. On
/// Windows the directory is not synced: the rename is an NTFS metadata change that the file system's log makes durable
/// shortly after the call, not when it returns.
/// </summary>
/// <remarks>
/// The file is opened for exclusive writing: two executors cannot share a journal. On Linux and macOS the lock is held
/// through <see cref="RewriteAsync"/> as well (the new file is renamed into place while open); Windows cannot rename over an
/// open file, so there a rewrite gives the lock up for the rename, and another process opening the journal at that moment
/// leaves this one unusable. Opening the journal deletes what a rewrite interrupted by a crash left of its new file,
/// <c>Path + ".rewrite"</c>.
/// </remarks>
public sealed class FileMoveJournal : IMoveJournal, IAsyncDisposable, IDisposable
{
    /// <summary>Largest record accepted; a larger length field means corruption.</summary>
    internal const int MaxRecordBytes = 1024 * 1024;

    /// <summary>Longest cluster id (UTF-8 bytes) the header holds; a longer length field means corruption.</summary>
    internal const int MaxClusterIdBytes = 4096;

    private static ReadOnlySpan<byte> Magic => "PSMJ"u8;

    /// <summary>What a rewrite puts in place of <see cref="Magic"/> in the file it replaced, before unlocking it (see <see cref="RetireAsync"/>).</summary>
    private static ReadOnlySpan<byte> RetiredMagic => "PSMR"u8;

    private const ushort FormatVersion = 1;

    /// <summary>
    /// The journal's streams keep no buffer of their own: every record goes to the operating system in the call that
    /// appends it anyway, and a buffered stream kept the bytes of a record whose write failed (a full disk) and wrote them
    /// with the next record, putting a record whose append threw into the file.
    /// </summary>
    private const int Unbuffered = 0;

    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly List<MoveJournalRecord> _records;
    private readonly JournalTailRepair? _repair;
    private FileStream _stream;

    /// <summary>Where the last record written whole ends: a failed append's partial bytes are cut back to it.</summary>
    private long _end;

    /// <summary>Whether a failed append may have left bytes past <see cref="_end"/> that could not be cut off yet.</summary>
    private bool _tailDirty;
    private bool _disposed;

    /// <summary>
    /// Whether the journal's path is a symbolic link: the first rewrite's rename replaces the link with the new file, and
    /// the file it pointed to keeps its name, so it must not be marked retired.
    /// </summary>
    private bool _pathIsLink;

    private FileMoveJournal(string path, string clusterId, FileStream stream, List<MoveJournalRecord> records, JournalTailRepair? repair)
    {
        Path = path;
        ClusterId = clusterId;
        _stream = stream;
        _end = stream.Position;
        _records = records;
        _repair = repair;
        _pathIsLink = new FileInfo(path).LinkTarget is not null;
    }

    /// <summary>The journal file.</summary>
    public string Path { get; }

    /// <inheritdoc />
    public string ClusterId { get; }

    /// <summary>When set, writes an appended record's bytes to the journal's stream in place of the stream's own write (tests write part of a record and throw, as a full disk does).</summary>
    internal Func<FileStream, byte[], ValueTask>? WriteHook { get; set; }

    /// <summary>Opens (or creates) the journal at <paramref name="path"/> for <paramref name="clusterId"/>, repairing a torn tail.</summary>
    /// <exception cref="ArgumentException"><paramref name="path"/> or <paramref name="clusterId"/> is empty, <paramref name="path"/> names a folder, or <paramref name="clusterId"/> is longer than 4096 UTF-8 bytes.</exception>
    /// <exception cref="JournalClusterMismatchException">The journal belongs to another cluster.</exception>
    /// <exception cref="InvalidDataException">The file is not a move journal, or its header is corrupted.</exception>
    /// <exception cref="IOException">The file cannot be opened (for example, another executor has it open), or its directory cannot be synced after the file was created.</exception>
    public static async Task<FileMoveJournal> OpenAsync(string path, string clusterId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentException.ThrowIfNullOrWhiteSpace(clusterId);
        var idBytes = Encoding.UTF8.GetByteCount(clusterId);
        if (idBytes > MaxClusterIdBytes)
        {
            // A longer id would be written into a header that every later open refuses as corrupted.
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"A journal's cluster id may be at most {MaxClusterIdBytes} UTF-8 bytes; got {idBytes}."), nameof(clusterId));
        }

        var full = System.IO.Path.GetFullPath(path);
        if (System.IO.Path.EndsInDirectorySeparator(full) || Directory.Exists(full))
        {
            // Opening a folder as the file failed with "Access to the path is denied", which reads as a permissions problem
            // (and a path ending in a separator had its folder created on the way).
            var folder = System.IO.Path.TrimEndingDirectorySeparator(full);
            throw new ArgumentException($"The move journal path '{folder}' names a folder; give the path of a file (for example '{System.IO.Path.Join(folder, "psharding-moves.journal")}').", nameof(path));
        }

        if (System.IO.Path.GetDirectoryName(full) is { } directory)
        {
            Directory.CreateDirectory(directory);
        }

        var stream = new FileStream(full, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, Unbuffered, FileOptions.Asynchronous);
        try
        {
            var content = new byte[stream.Length];
            await stream.ReadExactlyAsync(content, cancellationToken).ConfigureAwait(false);
            if (content.AsSpan().StartsWith(RetiredMagic))
            {
                // Opened just before another executor's rewrite renamed a new file over this one (see RetireAsync).
                throw new IOException($"The move journal '{full}' was rewritten by the executor that has it open while it was being opened; it is in use.");
            }

            var headerLength = ReadHeader(full, content, clusterId);
            if (headerLength == 0)
            {
                // A new file, or one whose creation was torn before the header was complete: (re)write the header.
                var header = BuildHeader(clusterId);
                stream.SetLength(0);
                stream.Position = 0;
                await stream.WriteAsync(header, cancellationToken).ConfigureAwait(false);
                stream.Flush(flushToDisk: true);

                // A new file's directory entry is durable only once its directory is synced (see DirectorySync).
                DirectorySync.Sync(System.IO.Path.GetDirectoryName(full)!);
                DeleteLeftoverRewrite(full);
                return new FileMoveJournal(full, clusterId, stream, [], content.Length == 0 ? null : new JournalTailRepair(0, content.Length, "the header was incomplete (creation was interrupted); the journal was re-created empty"));
            }

            var records = new List<MoveJournalRecord>();
            var (end, reason) = ReadRecords(content, headerLength, records);
            JournalTailRepair? repair = null;
            if (end < content.Length)
            {
                repair = new JournalTailRepair(end, content.Length - end, reason!);
                stream.SetLength(end);
                stream.Flush(flushToDisk: true);
            }

            stream.Position = end;
            DeleteLeftoverRewrite(full);
            return new FileMoveJournal(full, clusterId, stream, records, repair);
        }
        catch
        {
            await stream.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <inheritdoc />
    public ValueTask<MoveJournalContents> ReadAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_records)
        {
            return ValueTask.FromResult(new MoveJournalContents([.. _records], _repair));
        }
    }

    /// <inheritdoc />
    public ValueTask AppendAsync(MoveJournalRecord record, CancellationToken cancellationToken) => AppendCoreAsync(record, sync: true, cancellationToken);

    /// <inheritdoc />
    public ValueTask AppendWithoutSyncAsync(MoveJournalRecord record, CancellationToken cancellationToken) => AppendCoreAsync(record, sync: false, cancellationToken);

    private async ValueTask AppendCoreAsync(MoveJournalRecord record, bool sync, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        var bytes = Encode(record);
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);

            if (_tailDirty)
            {
                // Records appended after a failed one's leftover bytes would be lost with them: the next open trusts
                // nothing after the first bad record. Throws (and appends nothing) while the file cannot be cut back.
                CutBackToLastRecord();
            }

            // Not cancellable once started: a half-written record would only be cut off again on the next open. The stream
            // is unbuffered, so the record is with the operating system (a crash of the process keeps it) when the write
            // returns; a synced one and all before it are on disk.
            try
            {
                if (WriteHook is { } hook)
                {
                    await hook(_stream, bytes).ConfigureAwait(false);
                }
                else
                {
                    await _stream.WriteAsync(bytes, CancellationToken.None).ConfigureAwait(false);
                }

                _stream.Flush(flushToDisk: sync);
            }
            catch (IOException)
            {
                // A record whose append threw must not be in the file: cut off what of it was written (a full disk writes
                // part of it). If that fails too, the next append tries again first.
                _tailDirty = true;
                TryCutBackToLastRecord();
                throw;
            }

            _end += bytes.Length;
            lock (_records)
            {
                _records.Add(record);
            }
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <inheritdoc />
    /// <exception cref="ArgumentNullException"><paramref name="records"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="records"/> holds a null record (its index is named); nothing was written.</exception>
    /// <exception cref="IOException">The new file could not be written or renamed into place (the journal keeps its old content, and the new file, <c>Path + ".rewrite"</c>, is deleted), or the directory could not be synced after the rename (the journal holds the new content, which a power cut might still undo; the message names the directory).</exception>
    public async ValueTask RewriteAsync(IReadOnlyList<MoveJournalRecord> records, CancellationToken cancellationToken)
    {
        // A null record would be written as JSON null, which the next open takes for corruption, cutting off every record after it.
        ThrowIfAnyNull(records);
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);

            // The new file is written, renamed over the journal and then appended to through one stream that holds the
            // exclusive lock throughout (the lock belongs to the file, and moves with it): closing it before the rename and
            // reopening the journal after let another OpenAsync in between, after which the reopen failed and every later
            // append threw ObjectDisposedException.
            var temporary = Path + ".rewrite";
            FileStream? replacement = new FileStream(temporary, FileMode.Create, FileAccess.ReadWrite, FileShare.None, Unbuffered, FileOptions.Asynchronous);
            try
            {
                await replacement.WriteAsync(BuildHeader(ClusterId), cancellationToken).ConfigureAwait(false);
                foreach (var record in records)
                {
                    await replacement.WriteAsync(Encode(record), cancellationToken).ConfigureAwait(false);
                }

                replacement.Flush(flushToDisk: true);
                if (OperatingSystem.IsWindows())
                {
                    // Windows renames neither an open file nor over one, so there the lock is given up for the rename.
                    await replacement.DisposeAsync().ConfigureAwait(false);
                    await ReplaceReleasingTheLockAsync(temporary).ConfigureAwait(false);
                    replacement = null;
                }
                else
                {
                    // Rename over the old file: a crash leaves one complete file or the other.
                    File.Move(temporary, Path, overwrite: true);
                }
            }
            catch
            {
                // Nothing was renamed (on Windows, see there): the journal keeps its old file and stream, locked and usable.
                if (replacement is not null)
                {
                    await replacement.DisposeAsync().ConfigureAwait(false);
                }

                // The file this rewrite created is of no use now; left there it took as much disk as the journal (often
                // on a disk that had just run full) until the next rewrite overwrote it.
                TryDelete(temporary);
                throw;
            }

            var replaced = _stream;
            if (replacement is not null)
            {
                _stream = replacement;
                _end = replacement.Position;
            }

            // The new file holds only whole records, whatever a failed append left in the old one.
            _tailDirty = false;
            lock (_records)
            {
                _records.Clear();
                _records.AddRange(records);
            }

            // Until the directory is synced, a power cut may bring the old file back, without the records appended after
            // this returns (they go to the new file). A failure is reported; the journal (the new file) stays usable.
            // The replaced file is marked retired only once the rename is durable, and never when the journal's path is a
            // symbolic link: the rename then replaced the link, and the old file keeps its name (a redeploy that restores
            // the link would find it refused for good).
            var synced = false;
            try
            {
                DirectorySync.Sync(System.IO.Path.GetDirectoryName(Path)!);
                synced = true;
            }
            finally
            {
                if (replacement is not null)
                {
                    await RetireAsync(replaced, mark: synced && !_pathIsLink).ConfigureAwait(false);
                    _pathIsLink = false;
                }
            }
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>
    /// Deletes the new file of a rewrite that a crash interrupted (up to the journal's size), best effort. Only once the
    /// journal is open and locked: the process that holds the lock is the only one that rewrites it (see the remarks on
    /// Windows). Left there, it stayed until the next rewrite, which a recovery makes only of a journal holding a
    /// finished action.
    /// </summary>
    private static void DeleteLeftoverRewrite(string journalPath) => TryDelete(journalPath + ".rewrite");

    /// <summary>
    /// Deletes a failed rewrite's new file, if it is still there (on Windows a rename that succeeded before the reopen
    /// failed took it). Best effort: the rewrite's own error is the one to report, and the next rewrite overwrites the file.
    /// </summary>
    private static void TryDelete(string temporary)
    {
        try
        {
            File.Delete(temporary);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Left for the next rewrite, which creates the file anew over it.
        }
    }

    /// <summary>Cuts the file back to the end of its last whole record, after a failed append; throws if it cannot.</summary>
    private void CutBackToLastRecord()
    {
        _stream.SetLength(_end);
        _stream.Position = _end;
        _tailDirty = false;
    }

    private void TryCutBackToLastRecord()
    {
        try
        {
            CutBackToLastRecord();
        }
        catch (IOException)
        {
            // Left to the next append, which tries again before writing and fails if it still cannot: the append that
            // failed reports its own error, not this one.
        }
    }

    /// <summary>
    /// Marks the file a rewrite replaced as retired, then closes it. An <see cref="OpenAsync"/> that opened the journal just
    /// before the rename holds that file, no longer the journal, and locks it once it is closed (opening and locking are two
    /// system calls); the mark, written while the lock is still held, makes it refuse the file as the journal of a running
    /// executor instead of taking it for the journal. The mark needs no fsync: once the rename is durable the file has no
    /// name left, so only a process that has it open can read it. Not marked (<paramref name="mark"/> false) when the rename
    /// is not known durable or the journal's path is a symbolic link, whose target keeps its name.
    /// </summary>
    private static async ValueTask RetireAsync(FileStream replaced, bool mark)
    {
        try
        {
            if (mark)
            {
                replaced.Position = 0;
                await replaced.WriteAsync(RetiredMagic.ToArray(), CancellationToken.None).ConfigureAwait(false);
                replaced.Flush(flushToDisk: false);
            }
        }
        finally
        {
            await replaced.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Windows only: closes the journal, renames <paramref name="temporary"/> over it and opens it again. Another process can
    /// open the journal in between; then the reopen fails and the journal is unusable (appends throw) until reopened.
    /// </summary>
    private async ValueTask ReplaceReleasingTheLockAsync(string temporary)
    {
        await _stream.DisposeAsync().ConfigureAwait(false);
        var moved = false;
        try
        {
            File.Move(temporary, Path, overwrite: true);
            moved = true;
        }
        finally
        {
            // The journal keeps a stream on its file whatever happened: the new file, or the old one if the rename failed
            // (whose last whole record still ends at _end).
            _stream = new FileStream(Path, FileMode.Open, FileAccess.ReadWrite, FileShare.None, Unbuffered, FileOptions.Asynchronous);
            if (moved)
            {
                _end = _stream.Length;
            }

            _stream.Position = _end;
        }
    }

    /// <inheritdoc />
    /// <remarks>Waits for an append or rewrite in progress; calls made after it throw <see cref="ObjectDisposedException"/>.</remarks>
    public void Dispose()
    {
        // Under the write lock: disposal used to close the stream and the lock under a running rewrite, which then opened
        // the new file and kept it open (the journal could not be opened again in this process) and failed on the lock.
        // The lock itself is not disposed (it holds no handle unless its wait handle is asked for), so that a call waiting
        // on it wakes up to ObjectDisposedException instead of failing inside the semaphore.
        _writeLock.Wait();
        try
        {
            CloseUnderLock();
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <inheritdoc />
    /// <remarks>Waits for an append or rewrite in progress; calls made after it throw <see cref="ObjectDisposedException"/>.</remarks>
    public async ValueTask DisposeAsync()
    {
        await _writeLock.WaitAsync().ConfigureAwait(false);
        try
        {
            CloseUnderLock();
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>Closes the file once, under the write lock; the flush and close are synchronous either way (one fsync).</summary>
    private void CloseUnderLock()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        try
        {
            // Records appended without a sync are made durable when the journal is closed.
            _stream.Flush(flushToDisk: true);
        }
        finally
        {
            _stream.Dispose();
        }
    }

    /// <summary>Refuses a rewrite's list when it, or any record in it, is null.</summary>
    internal static void ThrowIfAnyNull(IReadOnlyList<MoveJournalRecord> records)
    {
        ArgumentNullException.ThrowIfNull(records);
        for (var i = 0; i < records.Count; i++)
        {
            if (records[i] is null)
            {
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"Record {i} of the {records.Count} to rewrite the journal with is null; nothing was written."), nameof(records));
            }
        }
    }

    internal static byte[] BuildHeader(string clusterId)
    {
        var id = Encoding.UTF8.GetBytes(clusterId);
        var header = new byte[4 + 2 + 2 + 4 + id.Length + 4];
        Magic.CopyTo(header);
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(4), FormatVersion);
        BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(8), id.Length);
        id.CopyTo(header.AsSpan(12));
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(12 + id.Length), Crc32.HashToUInt32(header.AsSpan(0, 12 + id.Length)));
        return header;
    }

    internal static byte[] Encode(MoveJournalRecord record)
    {
        var json = JsonSerializer.SerializeToUtf8Bytes(record, JournalJsonContext.Default.MoveJournalRecord);
        if (json.Length > MaxRecordBytes)
        {
            // Opening would take its length for corruption and drop it with every record after it: refuse it now instead.
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"The journal record of action '{record.ActionId}' ({record.State}) is {json.Length} bytes; a move journal record may be at most {MaxRecordBytes} bytes (are the range's keys that long?). Nothing was written."), nameof(record));
        }

        var bytes = new byte[4 + json.Length + 4];
        BinaryPrimitives.WriteInt32LittleEndian(bytes, json.Length);
        json.CopyTo(bytes.AsSpan(4));
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(4 + json.Length), Crc32.HashToUInt32(bytes.AsSpan(0, 4 + json.Length)));
        return bytes;
    }

    /// <summary>Checks the header; returns its length, or 0 when the file is empty or its creation was torn.</summary>
    private static int ReadHeader(string path, ReadOnlySpan<byte> content, string clusterId)
    {
        if (content.Length == 0)
        {
            return 0;
        }

        var magicLength = Math.Min(content.Length, Magic.Length);
        if (!content[..magicLength].SequenceEqual(Magic[..magicLength]))
        {
            throw new InvalidDataException($"'{path}' is not a move journal (its first bytes are not the journal's magic number).");
        }

        if (content.Length < 12)
        {
            return TornCreation(path, content, clusterId);
        }

        var version = BinaryPrimitives.ReadUInt16LittleEndian(content[4..]);
        var idLength = BinaryPrimitives.ReadInt32LittleEndian(content[8..]);
        if (idLength is < 1 or > MaxClusterIdBytes)
        {
            throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture, $"The move journal '{path}' has a corrupted header (cluster id length {idLength})."));
        }

        var headerLength = 12 + idLength + 4;
        if (content.Length < headerLength)
        {
            // Shorter than the header it claims: a creation torn before its header was complete, or a corrupted length.
            return TornCreation(path, content, clusterId);
        }

        var expectedCrc = BinaryPrimitives.ReadUInt32LittleEndian(content[(12 + idLength)..]);
        if (Crc32.HashToUInt32(content[..(12 + idLength)]) != expectedCrc)
        {
            throw new InvalidDataException($"The move journal '{path}' has a corrupted header (checksum mismatch); it cannot be trusted.");
        }

        if (version != FormatVersion)
        {
            throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture, $"The move journal '{path}' has format version {version}; this executor reads version {FormatVersion}."));
        }

        var journalCluster = Encoding.UTF8.GetString(content.Slice(12, idLength));
        if (!string.Equals(journalCluster, clusterId, StringComparison.Ordinal))
        {
            throw new JournalClusterMismatchException(path, clusterId, journalCluster);
        }

        return headerLength;
    }

    /// <summary>
    /// Returns 0 (re-create the journal) when <paramref name="content"/> is the start of the header this cluster's journal
    /// is created with, as a creation torn before its header was complete leaves it; anything else is a corrupted header,
    /// and the file (which may hold records) is not touched.
    /// </summary>
    private static int TornCreation(string path, ReadOnlySpan<byte> content, string clusterId)
    {
        var header = BuildHeader(clusterId);
        if (content.Length < header.Length && content.SequenceEqual(header.AsSpan(0, content.Length)))
        {
            return 0;
        }

        throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture, $"The move journal '{path}' has a corrupted header (it claims a header longer than the file's {content.Length} bytes, and is not the start of a journal for cluster '{clusterId}'); it cannot be trusted."));
    }

    /// <summary>Reads records from <paramref name="offset"/>; returns where the trusted part ends and, when it ends early, why.</summary>
    private static (int End, string? Reason) ReadRecords(byte[] content, int offset, List<MoveJournalRecord> records)
    {
        while (offset < content.Length)
        {
            var remaining = content.Length - offset;
            if (remaining < 4)
            {
                return (offset, string.Create(CultureInfo.InvariantCulture, $"torn record: {remaining} byte(s) where a length was expected"));
            }

            var length = BinaryPrimitives.ReadInt32LittleEndian(content.AsSpan(offset));
            if (length is <= 0 or > MaxRecordBytes)
            {
                return (offset, string.Create(CultureInfo.InvariantCulture, $"corrupted record length {length}"));
            }

            if (remaining < 4 + length + 4)
            {
                return (offset, string.Create(CultureInfo.InvariantCulture, $"torn record: {remaining} of {4 + length + 4} bytes present"));
            }

            var crc = BinaryPrimitives.ReadUInt32LittleEndian(content.AsSpan(offset + 4 + length));
            if (Crc32.HashToUInt32(content.AsSpan(offset, 4 + length)) != crc)
            {
                return (offset, "record checksum mismatch");
            }

            MoveJournalRecord? record;
            try
            {
                record = JsonSerializer.Deserialize(content.AsSpan(offset + 4, length), JournalJsonContext.Default.MoveJournalRecord);
            }
            catch (JsonException ex)
            {
                return (offset, "unreadable record: " + ex.Message);
            }

            if (record is null)
            {
                return (offset, "empty record");
            }

            records.Add(record);
            offset += 4 + length + 4;
        }

        return (offset, null);
    }
}
