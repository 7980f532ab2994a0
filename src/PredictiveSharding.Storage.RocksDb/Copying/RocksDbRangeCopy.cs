using PredictiveSharding.Keys;
using PredictiveSharding.Moving;
using PredictiveSharding.Storage.RocksDb.Checksums;
using PredictiveSharding.Storage.RocksDb.Interop;
using RocksDbSharp;

namespace PredictiveSharding.Storage.RocksDb.Copying;

/// <summary>
/// The RocksDB cluster's bulk copy: one snapshot of the source, read by one iterator per lane (sub-ranges read in
/// parallel, <see cref="RocksDbClusterOptions.ScanParallelism"/>; no block-cache fill, 2 MiB readahead), each feeding an
/// <see cref="SstFileWriter"/> in the target's ingest folder; <see cref="CommitAsync"/> finishes the files and ingests them
/// into the target in one call (RocksDB's bulk-load path: no write-ahead log and no memtable inserts, and the file and the
/// MANIFEST are synced before the ingest returns, so committed entries survive a crash of the process and of the machine).
/// The bytes copied are hashed on the way (each lane its sub-range; the hashes join in key order, see
/// <see cref="RangeHasher"/>), so a copy that began at the range's start yields the source's checksum at the snapshot
/// without a second scan.
/// </summary>
/// <remarks>
/// Ingested entries take no sequence of the target's counter: sequences exist for change captures and checksums of the
/// source side, and a node never has a capture on a range it is receiving (it does not own it; checked at every commit).
/// An ingested file gets a RocksDB sequence above everything in the target, so it shadows the range tombstone the move's
/// preparation may have written there, and the changes the catch-up applies afterwards shadow it in turn.
/// </remarks>
internal sealed class RocksDbRangeCopy : RangeCopy, ISnapshotReader
{
    private readonly RocksDbNode _source;
    private readonly RocksDbNode _target;
    private readonly KeyRange _range;
    private readonly SnapshotCursor _cursor;
    private readonly LaneWriter[] _writers;
    private readonly bool _hashing;
    private int _released;

    public RocksDbRangeCopy(RocksDbNode source, RocksDbNode target, KeyRange range, ShardKey from)
    {
        _source = source;
        _target = target;
        _range = range;
        var start = from > range.Start ? from : range.Start;
        _cursor = new SnapshotCursor(source, start, range.End, source.ScanLanes);

        // Only a copy of the whole range checksums the source; a resumed one covers part of it, over another snapshot.
        _hashing = start == range.Start;
        _writers = new LaneWriter[_cursor.Lanes.Count];
        for (var i = 0; i < _writers.Length; i++)
        {
            _writers[i] = new LaneWriter(target, _hashing ? new RangeHasher() : null);
        }

        source.RegisterCopy(this);
    }

    public override RangeChecksum? SourceChecksum
    {
        get
        {
            if (!_hashing || !_cursor.Exhausted)
            {
                return null;
            }

            // The lanes' sub-ranges in key order make up the range: joined, their hashes are the whole range's.
            return RangeHasher.Join(_writers.Select(w => w.Hasher!), _cursor.Sequence);
        }
    }

    public override async ValueTask<RangeCopyStep> CopyNextAsync(int maxBytes, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxBytes);
        cancellationToken.ThrowIfCancellationRequested();
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _released) != 0, this);
        if (_cursor.Exhausted)
        {
            return new RangeCopyStep(0, 0, null);
        }

        _source.Enter();
        try
        {
            var (keys, bytes) = await _cursor.StepAsync(maxBytes, Copy, cancellationToken).ConfigureAwait(false);

            // Every key below the resume key is copied; with several lanes some above it may be too (copied again on a
            // resume, which is harmless: copies are puts).
            return new RangeCopyStep(keys, bytes, _cursor.ResumeKey);
        }
        finally
        {
            _source.Exit();
        }
    }

    /// <remarks>
    /// One file per lane per commit, ingested together in one call: each ingest costs fsyncs and a MANIFEST write, tens of
    /// milliseconds on a small disk, and measured, rolling files over between commits made commits slower, not faster. The
    /// lanes' sub-ranges do not overlap, so neither do their files.
    /// </remarks>
    public override async ValueTask CommitAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _released) != 0, this);
        var pending = Array.FindAll(_writers, w => w.HasEntries);
        if (pending.Length == 0)
        {
            return;
        }

        try
        {
            // Not cancellable past this point: an ingest cannot be abandoned half-way. Finishing a file syncs it, so the
            // lanes finish theirs in parallel.
            var paths = await LaneWork.RunAsync(pending.Length, i => pending[i].Finish()).ConfigureAwait(false);
            _target.IngestCopy(paths, _range);
        }
        finally
        {
            foreach (var writer in pending)
            {
                // Ingest moves the files into the database; after a failure they are still ours to delete.
                writer.Abandon();
            }
        }
    }

    /// <summary>Frees the iterators and snapshot (on the source's database, which must still be open) and any unfinished files.</summary>
    public void Release()
    {
        if (Interlocked.Exchange(ref _released, 1) != 0)
        {
            return;
        }

        _cursor.Dispose();
        _source.UnregisterCopy(this);
        foreach (var writer in _writers)
        {
            writer.Abandon();
        }
    }

    protected override async ValueTask DisposeAsyncCore()
    {
        _source.ReleaseWhileOpen(this);
        await base.DisposeAsyncCore().ConfigureAwait(false);
    }

    private void Copy(int lane, ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
    {
        var writer = _writers[lane];
        writer.Put(key, value);
        writer.Hasher?.Append(key, value);
    }

    /// <summary>One lane's table file (opened on its first entry) and checksum; used by one thread at a time.</summary>
    private sealed class LaneWriter(RocksDbNode target, RangeHasher? hasher)
    {
        private SstFileWriter? _writer;
        private string? _path;
        private byte[] _keyBuffer = new byte[256];
        private byte[] _valueBuffer = new byte[4096];

        // Taken when the copy is made, on the flow that made it (see DirectEntryCalls.Current).
        private readonly DirectEntryCalls? _direct = DirectEntryCalls.Current;

        public RangeHasher? Hasher { get; } = hasher;

        public bool HasEntries => _writer is not null;

        public void Put(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
        {
            if (_writer is null)
            {
                var path = target.NewIngestFilePath();
                var writer = new SstFileWriter(new EnvOptions(), target.IngestFileOptions);
                try
                {
                    writer.Open(path);
                }
                catch
                {
                    writer.Dispose();
                    throw;
                }

                _writer = writer;
                _path = path;
            }

            if (_direct is { } direct)
            {
                // Straight from the iterator's memory into the file (see DirectEntryCalls).
                direct.Put(_writer, key, value);
                return;
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
        }

        /// <summary>Finishes (and syncs) the file and returns its path; the file stays this writer's until <see cref="Abandon"/>.</summary>
        public string Finish()
        {
            _writer!.Finish();
            return _path!;
        }

        /// <summary>Closes the writer and deletes its file, if any (an ingested file has been moved away already).</summary>
        public void Abandon()
        {
            if (_writer is null)
            {
                return;
            }

            _writer.Dispose();
            _writer = null;
            TryDelete(_path!);
            _path = null;
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
}
