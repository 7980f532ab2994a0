using PredictiveSharding.Keys;
using PredictiveSharding.Moving;
using PredictiveSharding.Storage.RocksDb.Checksums;
using RocksDbSharp;

namespace PredictiveSharding.Storage.RocksDb.Copying;

/// <summary>
/// The RocksDB cluster's bulk copy: one iterator over one snapshot of the source (no block-cache fill, 2 MiB readahead)
/// feeds an <see cref="SstFileWriter"/> in the target's ingest folder; <see cref="CommitAsync"/> finishes the file and
/// ingests it into the target (RocksDB's bulk-load path: no write-ahead log and no memtable inserts, and the file and the
/// MANIFEST are synced before the ingest returns, so committed entries survive a crash of the process and of the machine).
/// The bytes copied are hashed on the way, so a copy that began at the range's start yields the source's checksum at the
/// snapshot without a second scan.
/// </summary>
/// <remarks>
/// Ingested entries take no sequence of the target's counter: sequences exist for change captures and checksums of the
/// source side, and a node never has a capture on a range it is receiving (it does not own it; checked at every commit).
/// An ingested file gets a RocksDB sequence above everything in the target, so it shadows the range tombstone the move's
/// preparation may have written there, and the changes the catch-up applies afterwards shadow it in turn.
/// </remarks>
internal sealed class RocksDbRangeCopy : RangeCopy, ISnapshotReader
{
    private const int CancellationCheckInterval = 1024;

    private readonly RocksDbNode _source;
    private readonly RocksDbNode _target;
    private readonly KeyRange _range;
    private readonly SnapshotCursor _cursor;
    private readonly long _sequence;
    private readonly Iterator _iterator;
    private readonly RangeHasher? _hasher;
    private SstFileWriter? _writer;
    private string? _writerPath;
    private long _pendingEntries;
    private byte[] _keyBuffer = new byte[256];
    private byte[] _valueBuffer = new byte[4096];
    private bool _exhausted;
    private int _released;

    public RocksDbRangeCopy(RocksDbNode source, RocksDbNode target, KeyRange range, ShardKey from)
    {
        _source = source;
        _target = target;
        _range = range;
        var start = from > range.Start ? from : range.Start;
        _cursor = new SnapshotCursor(source, start, range.End);
        _sequence = _cursor.Sequence;

        // Only a copy of the whole range checksums the source; a resumed one covers part of it, over another snapshot.
        _hasher = start == range.Start ? new RangeHasher() : null;
        _iterator = _cursor.Iterator;
        _iterator.Seek(start.Span);
        _exhausted = range.End is { } bound && start >= bound;
        source.RegisterCopy(this);
    }

    public override RangeChecksum? SourceChecksum => _exhausted && _hasher is not null ? _hasher.ToChecksum(_sequence) : null;

    public override ValueTask<RangeCopyStep> CopyNextAsync(int maxBytes, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxBytes);
        cancellationToken.ThrowIfCancellationRequested();
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _released) != 0, this);
        if (_exhausted)
        {
            return ValueTask.FromResult(new RangeCopyStep(0, 0, null));
        }

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
                    return ValueTask.FromResult(new RangeCopyStep(keys, bytes, ShardKey.FromBytes(key)));
                }

                Put(key, value);
                _hasher?.Append(key, value);
                keys++;
                bytes += size;
                if (keys % CancellationCheckInterval == 0)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                }

                _iterator.Next();
            }

            // An iterator also stops on an I/O or corruption error; that must not pass for the end of the range.
            RocksDbNode.ThrowIfFailed(_iterator);
            _exhausted = true;
            return ValueTask.FromResult(new RangeCopyStep(keys, bytes, null));
        }
        finally
        {
            _source.Exit();
        }
    }

    /// <remarks>
    /// One file per commit: each ingest costs fsyncs and a MANIFEST write, tens of milliseconds on a small disk, and
    /// measured, rolling files over between commits made commits slower, not faster.
    /// </remarks>
    public override ValueTask CommitAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _released) != 0, this);
        if (_writer is null || _pendingEntries == 0)
        {
            return ValueTask.CompletedTask;
        }

        var writer = _writer;
        var path = _writerPath!;
        _writer = null;
        _writerPath = null;
        _pendingEntries = 0;
        try
        {
            // Not cancellable past this point: an ingest cannot be abandoned half-way.
            writer.Finish();
            _target.IngestCopy(path, _range);
        }
        finally
        {
            writer.Dispose();

            // Ingest moves the file into the database; after a failure it is still ours to delete.
            TryDelete(path);
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>Frees the iterator and snapshot (on the source's database, which must still be open) and any unfinished file.</summary>
    public void Release()
    {
        if (Interlocked.Exchange(ref _released, 1) != 0)
        {
            return;
        }

        _cursor.Dispose();
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
        _source.ReleaseWhileOpen(this);
        await base.DisposeAsyncCore().ConfigureAwait(false);
    }

    private void Put(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
    {
        if (_writer is null)
        {
            _writerPath = _target.NewIngestFilePath();
            var writer = new SstFileWriter(new EnvOptions(), _target.IngestFileOptions);
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
}
