using PredictiveSharding.Keys;
using PredictiveSharding.Moving;
using PredictiveSharding.Storage.RocksDb.Checksums;
using RocksDbSharp;

namespace PredictiveSharding.Storage.RocksDb.Copying;

/// <summary>
/// The RocksDB cluster's bulk copy: one iterator over one snapshot of the source (no block-cache fill, 2 MiB readahead)
/// feeds <see cref="SstFileWriter"/>s in the target's ingest folder, one file per <see cref="FileBytes"/> of entries (by default).
/// Each full file is finished (written out and fsynced) in the background and handed to a background ingester, which
/// ingests the files finished by then in key order, in one call (RocksDB's bulk-load path: no write-ahead log and no
/// memtable inserts; the MANIFEST is synced before the ingest returns), and reads their key range back from the target,
/// while the iterator fills the next file: the fsyncs are I/O waits and the read-back is a second core's work, both
/// overlapped with the copy. <see cref="CommitAsync"/> hands over the file being filled and waits for the ingester, so
/// committed entries survive a crash of the process and of the machine; entries handed over but not committed may or may
/// not be on the target after a crash (a resumed copy writes them again).
/// A copy that began at the range's start hashes the bytes it copies into the source's checksum at the snapshot, and the
/// bytes read back, piece by piece in key order, into the target's checksum of the whole range.
/// </summary>
/// <remarks>
/// <para>
/// The pieces read back are contiguous: each file's piece runs from where the previous one ended (the copy's start, for
/// the first) to the first key of the next file (the range's end, for the last), so anything else the target holds in the
/// range, between or among the copied keys, is read back too and makes the checksums differ.
/// </para>
/// <para>
/// Ingested entries take no sequence of the target's counter: sequences exist for change captures and checksums of the
/// source side, and a node never has a capture on a range it is receiving (it does not own it; checked at every ingest).
/// An ingested file gets a RocksDB sequence above everything in the target, so it shadows the range tombstone the move's
/// preparation may have written there, and the changes the catch-up applies afterwards shadow it in turn.
/// </para>
/// </remarks>
internal sealed class RocksDbRangeCopy : RangeCopy
{
    /// <summary>
    /// Bytes of entries per file. Each ingest costs a MANIFEST write and fsyncs (in the background, and shared by the files
    /// finished by then), and each file ingested into level 0 counts towards compaction; the last file's finish, ingest and
    /// read-back are what the copy waits for at the end. Measured on the 21 MB benchmark move on a loaded 2-core machine,
    /// 4 MiB files (six ingests) were slower than 8 MiB ones.
    /// </summary>
    internal const long FileBytes = 8L * 1024 * 1024;

    private const int CancellationCheckInterval = 1024;
    private const ulong BulkReadaheadBytes = 2 * 1024 * 1024;

    // Files handed over and not yet ingested and read back; more makes the copy wait (bounds the work a commit waits for).
    private const int MaxPendingFiles = 4;

    private readonly RocksDbNode _source;
    private readonly RocksDbNode _target;
    private readonly KeyRange _range;
    private readonly Snapshot _snapshot;
    private readonly long _sequence;
    private readonly long _fileBytesLimit;

    // The iterator reads its bounds from memory this object owns (see RocksDbNode.ScanRange): keep it referenced.
    private readonly ReadOptions _readOptions;
    private readonly Iterator _iterator;
    private readonly RangeHasher? _hasher;
    private readonly RangeHasher? _targetHasher;
    private readonly Queue<Task> _pending = new();
    private readonly Queue<SealedFile> _sealed = new();
    private readonly CancellationTokenSource _stopping = new();
    private bool _ingesting;
    private Exception? _failure;
    private SstFileWriter? _writer;
    private string? _writerPath;
    private long _pendingEntries;
    private long _fileBytes;

    // Where the piece of the file being filled starts (what the previous piece did not cover), and where the next step starts.
    private ShardKey _pieceStart;
    private ShardKey? _resumeFrom;
    private byte[] _keyBuffer = new byte[256];
    private byte[] _valueBuffer = new byte[4096];
    private bool _exhausted;
    private bool _lastPieceSealed;
    private bool _committedToEnd;
    private int _released;

    public RocksDbRangeCopy(RocksDbNode source, RocksDbNode target, KeyRange range, ShardKey from, long fileBytes = FileBytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(fileBytes);
        _fileBytesLimit = fileBytes;
        _source = source;
        _target = target;
        _range = range;
        var start = from > range.Start ? from : range.Start;
        _pieceStart = start;
        (_snapshot, _sequence) = source.CreateSequencedSnapshot();
        _readOptions = new ReadOptions()
            .SetIterateLowerBound(start.Span.ToArray())
            .SetSnapshot(_snapshot)
            .SetFillCache(false)
            .SetReadaheadSize(BulkReadaheadBytes);
        if (range.End is { } end)
        {
            _readOptions.SetIterateUpperBound(end.Span.ToArray());
        }

        // Only a copy of the whole range checksums the source; a resumed one covers part of it, over another snapshot.
        if (start == range.Start)
        {
            _hasher = new RangeHasher();
            _targetHasher = new RangeHasher();
        }

        _iterator = source.NewDataIterator(_readOptions);
        _iterator.Seek(start.Span);
        _exhausted = range.End is { } bound && start >= bound;
        source.RegisterCopy(this);
    }

    public override RangeChecksum? SourceChecksum => _exhausted && _hasher is not null ? _hasher.ToChecksum(_sequence) : null;

    /// <remarks>Carries the source snapshot's sequence; only its content is meaningful.</remarks>
    public override RangeChecksum? TargetChecksum => _committedToEnd && _targetHasher is not null ? _targetHasher.ToChecksum(_sequence) : null;

    public override async ValueTask<RangeCopyStep> CopyNextAsync(int maxBytes, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxBytes);
        cancellationToken.ThrowIfCancellationRequested();
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _released) != 0, this);
        if (_exhausted)
        {
            return new RangeCopyStep(0, 0, null);
        }

        // A failed file fails the copy at the next step, not only at the next commit; an ingester that is behind makes the copy wait.
        while (_pending.TryPeek(out var oldest) && (oldest.IsCompleted || _pending.Count >= MaxPendingFiles))
        {
            await oldest.ConfigureAwait(false);
            _ = _pending.Dequeue();
        }

        return CopyNext(maxBytes, cancellationToken);
    }

    /// <remarks>
    /// Hands the file being filled over and waits for every file handed over to be finished, ingested and read back. Not
    /// cancellable once the files are waited for: an ingest cannot be abandoned half-way.
    /// </remarks>
    public override async ValueTask CommitAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _released) != 0, this);
        if (_writer is not null && _pendingEntries > 0)
        {
            // The piece ends where the next step starts (the range's end once the copy is exhausted).
            Seal(_exhausted ? _range.End : _resumeFrom);
        }

        while (_pending.TryPeek(out var oldest))
        {
            await oldest.ConfigureAwait(false);
            _ = _pending.Dequeue();
        }

        if (_exhausted && !_lastPieceSealed && _targetHasher is not null)
        {
            // Nothing was left to put in a file (an empty range): the target's part of the range is still read back.
            _target.HashRange(new KeyRange(_pieceStart, _range.End), _targetHasher, cancellationToken);
            _lastPieceSealed = true;
        }

        _committedToEnd = _exhausted;
    }

    /// <summary>Frees the iterator and snapshot (on the source's database, which must still be open) and any unfinished file.</summary>
    internal void Release()
    {
        if (Interlocked.Exchange(ref _released, 1) != 0)
        {
            return;
        }

        _iterator.Dispose();
        _snapshot.Dispose();
        GC.KeepAlive(_readOptions);
        _source.UnregisterCopy(this);
        if (_writer is not null)
        {
            _writer.Dispose();
            _writer = null;
            TryDelete(_writerPath!);
        }
    }

    protected override async ValueTask DisposeAsyncCore()
    {
        // Files handed over are ingested, or deleted, before the copy is gone: an ingest cannot be abandoned, and their
        // errors were a commit's or a step's to report. Files not yet ingested and read-backs still to come are dropped.
        await _stopping.CancelAsync().ConfigureAwait(false);
        foreach (var file in _pending)
        {
            try
            {
                await file.ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is RocksDbException or IOException or InvalidOperationException or ObjectDisposedException or OperationCanceledException)
            {
                // Reported by CopyNextAsync or CommitAsync, or irrelevant to a copy that is abandoned.
            }
        }

        _pending.Clear();
        ReleaseWhileOpen();
        _stopping.Dispose();
        await base.DisposeAsyncCore().ConfigureAwait(false);
    }

    /// <summary>
    /// Entering the node keeps its disposal from closing the database under the release; a node already being disposed
    /// releases every open copy itself.
    /// </summary>
    private void ReleaseWhileOpen()
    {
        try
        {
            _source.Enter();
        }
        catch (ObjectDisposedException)
        {
            return;
        }

        try
        {
            Release();
        }
        finally
        {
            _source.Exit();
        }
    }

    private RangeCopyStep CopyNext(int maxBytes, CancellationToken cancellationToken)
    {
        _source.Enter();
        try
        {
            long keys = 0;
            long bytes = 0;
            while (_iterator.Valid())
            {
                var key = _iterator.GetKeySpan();
                var value = _iterator.GetValueSpan();
                var size = key.Length + value.Length;

                // Never past the limit, except that a step always copies at least one entry so the copy progresses.
                if (keys > 0 && bytes + size > maxBytes)
                {
                    var next = ShardKey.FromBytes(key);
                    _resumeFrom = next;
                    return new RangeCopyStep(keys, bytes, next);
                }

                if (_fileBytes >= _fileBytesLimit)
                {
                    Seal(ShardKey.FromBytes(key));
                }

                Put(key, value);
                _hasher?.Append(key, value);
                keys++;
                bytes += size;
                _fileBytes += size;
                if (keys % CancellationCheckInterval == 0)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                }

                _iterator.Next();
            }

            // An iterator also stops on an I/O or corruption error; that must not pass for the end of the range.
            RocksDbNode.ThrowIfFailed(_iterator);
            _exhausted = true;
            _resumeFrom = null;
            return new RangeCopyStep(keys, bytes, null);
        }
        finally
        {
            _source.Exit();
        }
    }

    /// <summary>Hands the file being filled, the piece [piece start, <paramref name="pieceEnd"/>), to the background ingester.</summary>
    private void Seal(ShardKey? pieceEnd)
    {
        var writer = _writer!;
        var piece = new KeyRange(_pieceStart, pieceEnd);
        var file = new SealedFile(writer, _writerPath!, piece, Task.Run(writer.Finish));
        _writer = null;
        _writerPath = null;
        _pendingEntries = 0;
        _fileBytes = 0;
        if (pieceEnd is { } end)
        {
            _pieceStart = end;
        }

        _lastPieceSealed = _exhausted;

        bool start;
        lock (_sealed)
        {
            _sealed.Enqueue(file);
            start = !_ingesting;
            _ingesting = true;
        }

        _pending.Enqueue(file.Done.Task);
        if (start)
        {
            _ = Task.Run(IngestLoopAsync);
        }
    }

    /// <summary>
    /// Ingests sealed files in key order, each group of files finished by then in one call (an ingest's MANIFEST write and
    /// fsyncs are paid once per group, and groups grow while an ingest runs), then reads the group's pieces back from the
    /// target into its checksum. After a failure, or once the copy is disposed, files not yet ingested are deleted.
    /// </summary>
    private async Task IngestLoopAsync()
    {
        var group = new List<SealedFile>();
        while (true)
        {
            SealedFile first;
            lock (_sealed)
            {
                if (!_sealed.TryPeek(out first!))
                {
                    _ingesting = false;
                    return;
                }
            }

            try
            {
                await first.Finished.ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                // Not swallowed: every file from here on fails with it, and a step or commit rethrows it.
                _failure ??= ex;
            }

            group.Clear();
            lock (_sealed)
            {
                while (_sealed.TryPeek(out var next) && (group.Count == 0 || next.Finished.IsCompletedSuccessfully))
                {
                    group.Add(_sealed.Dequeue());
                }
            }

            if (_failure is null && !_stopping.IsCancellationRequested)
            {
                try
                {
                    IngestAndReadBack(group);
                }
                catch (Exception ex)
                {
                    // As above: whatever went wrong is the copy's error, reported by the next step or commit.
                    _failure ??= ex;
                }
            }

            foreach (var file in group)
            {
                await DiscardAsync(file).ConfigureAwait(false);
                if (_failure is { } failure)
                {
                    file.Done.TrySetException(failure);
                }
                else if (_stopping.IsCancellationRequested)
                {
                    file.Done.TrySetCanceled(_stopping.Token);
                }
                else
                {
                    file.Done.TrySetResult();
                }
            }
        }
    }

    private void IngestAndReadBack(List<SealedFile> group)
    {
        _target.IngestCopy([.. group.Select(f => f.Path)], _range);
        if (_targetHasher is not null)
        {
            // The group's pieces are contiguous: one scan from the first one's start to the last one's end.
            _target.HashRange(new KeyRange(group[0].Piece.Start, group[^1].Piece.End), _targetHasher, _stopping.Token);
        }
    }

    /// <summary>Frees a sealed file's writer and deletes the file if it is still there (ingest moves it into the database).</summary>
    private static async Task DiscardAsync(SealedFile file)
    {
        try
        {
            await file.Finished.ConfigureAwait(false);
        }
        catch (Exception)
        {
            // Reported through the copy's failure (the loop awaited this file first); the file is deleted below either way.
        }

        file.Writer.Dispose();
        TryDelete(file.Path);
    }

    private void Put(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
    {
        if (_writer is null)
        {
            _writerPath = _target.NewIngestFilePath();
            var writer = new SstFileWriter(_target.IngestFileEnvOptions, _target.IngestFileOptions);
            try
            {
                writer.Open(_writerPath);
            }
            catch
            {
                writer.Dispose();
                throw;
            }

            _writer = writer;
        }

        // RocksDbSharp's writer takes arrays (with lengths): reuse two instead of allocating per entry.
        if (key.Length > _keyBuffer.Length)
        {
            _keyBuffer = new byte[Math.Max(key.Length, _keyBuffer.Length * 2)];
        }

        if (value.Length > _valueBuffer.Length)
        {
            _valueBuffer = new byte[Math.Max(value.Length, _valueBuffer.Length * 2)];
        }

        key.CopyTo(_keyBuffer);
        value.CopyTo(_valueBuffer);
        Native.Instance.rocksdb_sstfilewriter_put(_writer.Handle, _keyBuffer, (UIntPtr)key.Length, _valueBuffer, (UIntPtr)value.Length);
        _pendingEntries++;
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // Left for the node to clear from its ingest folder when it next opens.
        }
    }

    /// <summary>A file handed over for ingest: its piece of the range, its finish (running) and its ingest and read-back.</summary>
    private sealed record SealedFile(SstFileWriter Writer, string Path, KeyRange Piece, Task Finished)
    {
        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
