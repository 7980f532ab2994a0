using PredictiveSharding.Keys;
using PredictiveSharding.Moving;
using PredictiveSharding.Storage.RocksDb.Checksums;
using PredictiveSharding.Storage.RocksDb.Interop;
using RocksDbSharp;

namespace PredictiveSharding.Storage.RocksDb.Copying;

/// <summary>
/// The RocksDB cluster's bulk copy: one snapshot of the source, read by one iterator per lane (sub-ranges read in
/// parallel, <see cref="RocksDbClusterOptions.ScanParallelism"/>; no block-cache fill, 2 MiB readahead), each feeding an
/// table file in the target's ingest folder (<see cref="TableFileWriter"/>: RocksDB's <c>SstFileWriter</c>, its pages left in
/// the page cache for the read-back); <see cref="CommitAsync"/> finishes the files and ingests them
/// into the target in one call (RocksDB's bulk-load path: no write-ahead log and no memtable inserts, and the file and the
/// MANIFEST are synced before the ingest returns, so committed entries survive a crash of the process and of the machine).
/// The bytes copied are hashed on the way (each lane its sub-range; the hashes join in key order, see
/// <see cref="RangeHasher"/>), so a copy that began at the range's start yields the source's checksum at the snapshot
/// without a second scan. With <see cref="RocksDbClusterOptions.ReadBackWhileCopying"/> on the target, such a copy hands
/// its files over every 4 MiB to a background task that finishes (syncs) and ingests them and then reads back the part of
/// the range they covered on the target (lane by lane, from where the last read-back ended to the lane's next unread key,
/// so every key of the range on the target is read, strays between copied entries too), while the copy goes on reading the
/// source; <see cref="CommitAsync"/> waits for every hand-off, and the read-backs that start once the copy is done are
/// cut by key and run on every core. The reads join into <see cref="TargetChecksum"/>: the move's verification read overlaps its copy instead of
/// following it.
/// </summary>
/// <remarks>
/// Ingested entries take no sequence of the target's counter: sequences exist for change captures and checksums of the
/// source side, and a node never has a capture on a range it is receiving (it does not own it; checked at every commit).
/// An ingested file gets a RocksDB sequence above everything in the target, so it shadows the range tombstone the move's
/// preparation may have written there, and the changes the catch-up applies afterwards shadow it in turn.
/// </remarks>
internal sealed class RocksDbRangeCopy : RangeCopy, ISnapshotReader
{
    /// <summary>Threads a read-back that starts once the copy is done may use.</summary>
    private const int MaxFinalReadBackThreads = 4;

    /// <summary>
    /// Bytes a reading-back copy writes before it hands its files to the background: small enough that the part left to
    /// read after the last step is a small share of a range, large enough that an ingest's syncs and MANIFEST write are
    /// paid rarely (they run off the copy's thread, but each one orders the read-backs behind it).
    /// </summary>
    private const long HandOffBytes = 4L * 1024 * 1024;

    private readonly RocksDbNode _source;
    private readonly RocksDbNode _target;
    private readonly KeyRange _range;
    private readonly SnapshotCursor _cursor;
    private readonly LaneWriter[] _writers;
    private readonly bool _hashing;
    private readonly ReadBackLane[]? _readBack;
    private readonly CancellationTokenSource _readBackStop = new();
    private Task _background = Task.CompletedTask;
    private long _sinceHandOff;
    // Both cross threads: _readBackFailed is set by a hand-off's background task and read by CommitAsync (on the copy's
    // flow) and by the hand-offs queued after it; _copyDone is set by HandOff on the copy's flow and read by the background
    // task. Volatile so that neither read is hoisted or served stale; a set flag is never cleared, so no read-modify-write
    // needs Interlocked.
    private volatile bool _readBackFailed;
    private volatile bool _copyDone;
    private RangeChecksum? _targetChecksum;
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

        // Only worth it when the source is checksummed too (the executor compares the two), and only with a core the copy's
        // lanes leave free: measured on 2 cores, a read-back beside two copying lanes made the move slower, not faster.
        if (_hashing && target.ReadBackWhileCopying && _cursor.Lanes.Count < Environment.ProcessorCount)
        {
            _readBack = _cursor.Lanes.Select(l => new ReadBackLane(l.Start)).ToArray();
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

    public override bool ReadsBackTarget => _readBack is not null;

    public override RangeChecksum? TargetChecksum => _targetChecksum;

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
            if (_readBack is not null && (_sinceHandOff += bytes) >= HandOffBytes && !_cursor.Exhausted)
            {
                HandOff(lastPart: false);
            }

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
        if (_readBack is not null)
        {
            // What is still in this copy's files goes the way of the earlier hand-offs; durable once they all are. The hand-off
            // reads where the source's iterators stand, so the source must stay open meanwhile.
            _source.Enter();
            try
            {
                HandOff(lastPart: _cursor.Exhausted);
            }
            finally
            {
                _source.Exit();
            }

            await _background.WaitAsync(cancellationToken).ConfigureAwait(false);
            if (_cursor.Exhausted && !_readBackFailed)
            {
                _targetChecksum = RangeHasher.Join(_readBack.Select(l => l.Hash), _cursor.Sequence);
            }

            return;
        }

        var pending = Array.FindAll(_writers, w => w.HasEntries);
        if (pending.Length == 0)
        {
            return;
        }

        // Not cancellable past this point: an ingest cannot be abandoned half-way.
        await IngestAsync(Array.ConvertAll(pending, w => w.Detach())).ConfigureAwait(false);
    }

    /// <summary>
    /// Finishes <paramref name="files"/> (finishing a file syncs it, so the lanes finish theirs in parallel) and ingests them
    /// into the target in one call; then, or after a failure, lets go of them.
    /// </summary>
    private async Task IngestAsync(TableFile[] files)
    {
        try
        {
            var paths = await LaneWork.RunAsync(files.Length, i => files[i].Finish()).ConfigureAwait(false);
            _target.IngestCopy(paths, _range);
        }
        finally
        {
            foreach (var file in files)
            {
                // Ingest moves the files into the database; after a failure they are still ours to delete.
                file.Abandon();
            }
        }
    }

    /// <summary>
    /// Hands the lanes' files and the read-back of the part of the range they cover (each lane from where its last
    /// read-back ended to its next unread key, or its end once exhausted) to a background task queued behind the earlier
    /// ones, and starts new files for the next steps.
    /// </summary>
    private void HandOff(bool lastPart)
    {
        _sinceHandOff = 0;
        var files = _writers.Where(w => w.HasEntries).Select(w => w.Detach()).ToArray();
        var segments = new List<(ReadBackLane Lane, KeyRange Range)>();
        for (var i = 0; i < _readBack!.Length; i++)
        {
            var lane = _readBack[i];
            var upTo = _cursor.Lanes[i].NextUnread;
            if (lane.Done || (upTo is { } bound && bound <= lane.From))
            {
                continue;
            }

            segments.Add((lane, new KeyRange(lane.From, upTo)));
            if (upTo is { } next)
            {
                lane.From = next;
            }

            lane.Done = _cursor.Lanes[i].Exhausted;
        }

        if (files.Length == 0 && segments.Count == 0)
        {
            return;
        }

        if (lastPart)
        {
            _copyDone = true;
        }

        var previous = _background;
        var stop = _readBackStop.Token;

        // Not given the token: a hand-off always runs, if only to delete its files.
        _background = Task.Run(() => IngestAndReadBackAsync(previous, files, segments, stop), CancellationToken.None);
    }

    /// <summary>
    /// After the earlier hand-offs (whose failure fails this one before it ingests anything), finishes and ingests
    /// <paramref name="files"/>, then reads <paramref name="segments"/> back from the target. A failed read-back leaves
    /// <see cref="TargetChecksum"/> null, so the executor reads the target itself (and meets a lasting error again there,
    /// with its retries); a failed ingest fails the commit that waits for it.
    /// </summary>
    private async Task IngestAndReadBackAsync(Task previous, TableFile[] files, List<(ReadBackLane Lane, KeyRange Range)> segments, CancellationToken stop)
    {
        try
        {
            await previous.ConfigureAwait(false);
        }
        catch
        {
            // An earlier hand-off failed: this one's files are not ingested after it, only deleted.
            Array.ForEach(files, f => f.Abandon());
            throw;
        }

        if (files.Length > 0)
        {
            await IngestAsync(files).ConfigureAwait(false);
        }

        if (_readBackFailed)
        {
            return;
        }

        try
        {
            foreach (var (lane, range) in segments)
            {
                // Once the copy is done, the read-backs still queued are all that is left of the move's reading, and nothing
                // else runs: each is cut by key and read on every core (beside a copying lane, a second reader only slowed both).
                var threads = _copyDone ? Math.Clamp(Environment.ProcessorCount, 1, MaxFinalReadBackThreads) : 1;
                var pieces = _target.SplitForReading(range, threads);
                foreach (var piece in await LaneWork.RunAsync(pieces.Count, i => ReadBack(pieces[i], stop)).ConfigureAwait(false))
                {
                    // Joined as they come, in key order, so a long copy holds one hash per lane, not one per hand-off.
                    lane.Hash.Append(piece);
                }
            }
        }
#pragma warning disable CA1031 // Any failure of the read-back only means the executor verifies by reading the target itself.
        catch (Exception)
#pragma warning restore CA1031
        {
            _readBackFailed = true;
        }
    }

    /// <summary>Frees the iterators and snapshot (on the source's database, which must still be open) and any unfinished files.</summary>
    public void Release()
    {
        if (Interlocked.Exchange(ref _released, 1) != 0)
        {
            return;
        }

        // A hand-off still running ingests into and reads the target, not the snapshot: its read-back is stopped, and it is
        // waited for, so the copy leaves no file or thread behind.
        _readBackStop.Cancel();
        try
        {
            _background.Wait();
        }
        catch (AggregateException)
        {
            // Its error was the commit's to report; released, the copy reports nothing more.
        }

        _readBackStop.Dispose();
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

    private RangeHasher ReadBack(KeyRange piece, CancellationToken stop)
    {
        var hasher = new RangeHasher();
        _target.HashRangeInto(piece, hasher, stop);
        return hasher;
    }

    private void Copy(int lane, ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
    {
        var writer = _writers[lane];
        writer.Put(key, value);
        writer.Hasher?.Append(key, value);
    }

    /// <summary>One lane's read-back of the target: where the next one starts, and the hash of what was read so far.</summary>
    private sealed class ReadBackLane(ShardKey from)
    {
        public ShardKey From { get; set; } = from;

        public bool Done { get; set; }

        /// <summary>The hash of everything the lane has read back so far, in key order.</summary>
        public RangeHasher Hash { get; } = new();
    }

    /// <summary>One lane's table file (opened on its first entry) and checksum; used by one thread at a time.</summary>
    private sealed class LaneWriter(RocksDbNode target, RangeHasher? hasher)
    {
        private TableFileWriter? _writer;
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
                _writer = TableFileWriter.Open(path, target.IngestFileOptions);
                _path = path;
            }

            if (_direct is { } direct)
            {
                // Straight from the iterator's memory into the file (see DirectEntryCalls).
                direct.Put(_writer.Handle, key, value);
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

        /// <summary>Gives up the file written so far (null-free only while <see cref="HasEntries"/>); the next entry opens a new one.</summary>
        public TableFile Detach()
        {
            var file = new TableFile(_writer!, _path!);
            _writer = null;
            _path = null;
            return file;
        }

        /// <summary>Closes the writer and deletes its file, if any.</summary>
        public void Abandon()
        {
            if (_writer is not null)
            {
                Detach().Abandon();
            }
        }
    }

    /// <summary>A lane's table file handed over for ingest: finished once, then abandoned (deleted unless ingested).</summary>
    private sealed class TableFile(TableFileWriter writer, string path)
    {
        /// <summary>Finishes (and syncs) the file and returns its path; the file stays this object's until <see cref="Abandon"/>.</summary>
        public string Finish()
        {
            writer.Finish();
            return path;
        }

        /// <summary>Closes the writer and deletes the file (an ingested file has been moved away already).</summary>
        public void Abandon()
        {
            writer.Dispose();
            TryDelete(path);
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
