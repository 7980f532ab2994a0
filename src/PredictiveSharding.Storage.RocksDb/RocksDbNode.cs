using Microsoft.Extensions.Logging;
using PredictiveSharding.Keys;
using PredictiveSharding.Moving;
using PredictiveSharding.Routing;
using PredictiveSharding.Storage.RocksDb.ChangeFeed;
using PredictiveSharding.Storage.RocksDb.Checksums;
using PredictiveSharding.Storage.RocksDb.Copying;
using PredictiveSharding.Storage.RocksDb.Fencing;
using PredictiveSharding.Storage.RocksDb.Interop;
using PredictiveSharding.Topology;
using RocksDbSharp;

namespace PredictiveSharding.Storage.RocksDb;

/// <summary>
/// One node of a <see cref="RocksDbCluster"/>: a RocksDB database in its own folder, with the key-value API a
/// database engine embedding the library would serve its clients from.
/// </summary>
/// <remarks>
/// <para>
/// Column families: <c>default</c> holds the host's keys and values, unprefixed (so the whole byte-string key space is
/// usable); <c>psharding-changes</c> holds the change-capture logs (key = capture number, sequence; both big-endian);
/// <c>psharding-captures</c> holds each open capture (by the caller's id), the capture-number counter and the
/// sequence reservation. A write to a captured range and its log records go in one <see cref="WriteBatch"/>, so the
/// feed and the data never disagree, and both survive a restart of the process.
/// </para>
/// <para>
/// Sequences: every key a node writes (host writes and mover writes alike) takes the next number of one per-node
/// counter. Writes are applied one at a time under a per-node lock, which is what makes a snapshot's sequence exact
/// (it holds every write below it and none above) and the feed's order the order RocksDB applied the writes in.
/// After a restart the counter continues above a reservation persisted with the writes, so it never goes back.
/// </para>
/// <para>
/// Host requests (<see cref="PutAsync"/>, <see cref="DeleteAsync"/>, <see cref="PutManyAsync"/>, <see cref="Get"/>,
/// <see cref="Scan"/>) are checked against the cluster's routing table when it has one: a write waits while a fence
/// covers its key, then, under the same lock that applies it, is refused (<see cref="StoreStatus.NotOwner"/>) unless the
/// node owns every key in the current routing version; a read is served only if the node owned the key in one routing
/// version that did not change while it read. The executor's <see cref="IDataMover"/> writes ignore fences and ownership.
/// </para>
/// <para>Thread-safe. Dispose only after traffic has stopped; calls made after disposal throw <see cref="ObjectDisposedException"/>.</para>
/// </remarks>
public sealed class RocksDbNode : IDisposable
{
    internal const string ChangesFamilyName = "psharding-changes";
    internal const string CapturesFamilyName = "psharding-captures";
    private const int CancellationCheckInterval = 1024;
    private const ulong BulkReadaheadBytes = 2 * 1024 * 1024;

    /// <summary>
    /// Data-block size of the table files a copy builds for ingestion (RocksDB's default is 4 KiB). Larger blocks cost
    /// the copy's writer, its read-back and the next move's scan less per entry: measured on the 21 MB move benchmark,
    /// move ÷ plain copy 1.39–1.55 with 4 KiB blocks against 1.24–1.26 with 16 or 32 KiB in the same session. Still
    /// half HBase's default 64 KiB block; point reads from these files fetch 32 KiB blocks (one read, in the page cache
    /// or the block cache alike) until compaction rewrites them with the column family's own block size.
    /// </summary>
    private const ulong IngestBlockBytes = 32 * 1024;
    private const long MoverSliceBytes = 64 * 1024;
    private const int MoverSliceEntries = 512;

    // Largest buffer a chunk read copies values into; bigger chunks take several.
    private const int ValueBufferBytes = 4 * 1024 * 1024;

    // Sequences are reserved in blocks, persisted in the batch that first crosses the block, so the counter
    // survives a restart without an extra write per request.
    private const long SequenceReservationBlock = 1 << 16;

    private readonly RocksDbSharp.RocksDb _db;
    private readonly ColumnFamilyHandle _dataFamily;
    private readonly ColumnFamilyHandle _changesFamily;
    private readonly ColumnFamilyHandle _capturesFamily;
    private readonly WriteOptions _writeOptions;
    private readonly WriteOptions _syncWriteOptions;
    private readonly ColumnFamilyOptions _ingestFileOptions;
    private readonly IngestExternalFileOptions _ingestOptions;
    private readonly string _ingestDirectory;
    private readonly HashSet<ISnapshotReader> _copies = [];
    private readonly RoutingVersionGuard? _guard;
    private readonly IRoutingTable? _routing;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;

    // Every write, capture change and fence change on this node happens under this lock; see the remarks.
    private readonly Lock _writeLock = new();
    private ActiveCapture[] _captures = [];
    private WriteFence[] _fences = [];
    private ulong _nextCaptureNumber;
    private long _nextSequence = 1;
    private long _reservedSequences;
    private int _activeOperations;
    private int _disposed;

    internal RocksDbNode(NodeId id, string directory, RocksDbClusterOptions options, IRoutingTable? routing, TimeProvider timeProvider, ILogger logger)
    {
        Id = id;
        Directory = directory;
        _routing = routing;
        _guard = routing is null ? null : new RoutingVersionGuard(routing);
        _timeProvider = timeProvider;
        _logger = logger;
        ScanLanes = options.ScanParallelism;
        ReadBackWhileCopying = options.ReadBackWhileCopying;
        System.IO.Directory.CreateDirectory(directory);
        var bufferBytes = (ulong)options.WriteBufferBytes;
        var dbOptions = new DbOptions()
            .SetCreateIfMissing(true)
            .SetCreateMissingColumnFamilies(true)
            .IncreaseParallelism(options.BackgroundThreads)
            .SetWriteBufferSize(bufferBytes)
            .SetKeepLogFileNum(2)
            .SetMaxLogFileSize(1024 * 1024)
            .SetInfoLogLevel(InfoLogLevel.Warn);
        var familyOptions = new ColumnFamilyOptions().SetWriteBufferSize(bufferBytes);

        _ingestFileOptions = CreateIngestFileOptions().SetWriteBufferSize(bufferBytes);

        // Copies build their files here (beside the database, on the same file system, so ingesting moves them instead
        // of copying). '.' never occurs in a node's folder name.
        _ingestDirectory = directory.TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar) + ".ingest";
        _ingestOptions = new IngestExternalFileOptions().SetMoveFiles(true);
        var families = new ColumnFamilies(familyOptions)
        {
            { ChangesFamilyName, familyOptions },
            { CapturesFamilyName, familyOptions },
        };
        _db = RocksDbSharp.RocksDb.Open(dbOptions, directory, families);
        try
        {
            // Only once RocksDB's lock on the folder is ours: a file left by a crash belongs to no copy and is removed, but
            // an open refused because another cluster holds the node must not delete that cluster's copies' files.
            if (System.IO.Directory.Exists(_ingestDirectory))
            {
                System.IO.Directory.Delete(_ingestDirectory, recursive: true);
            }

            System.IO.Directory.CreateDirectory(_ingestDirectory);
            _dataFamily = _db.GetDefaultColumnFamily();
            _changesFamily = _db.GetColumnFamily(ChangesFamilyName);
            _capturesFamily = _db.GetColumnFamily(CapturesFamilyName);
            _writeOptions = new WriteOptions().SetSync(options.SyncWrites);
            _syncWriteOptions = new WriteOptions().SetSync(true);
            LoadState();
        }
        catch
        {
            // A node that fails to open must not keep the database (and RocksDB's lock on its folder) open.
            _db.Dispose();
            throw;
        }

        RocksDbLog.NodeOpened(_logger, id, directory, _captures.Length);
    }

    /// <summary>The node's id.</summary>
    public NodeId Id { get; }

    /// <summary>The folder of the node's RocksDB database.</summary>
    public string Directory { get; }

    /// <summary>The sequence the node's next write will take.</summary>
    public long NextSequence
    {
        get
        {
            lock (_writeLock)
            {
                return _nextSequence;
            }
        }
    }

    /// <summary>The ids of the change captures open on this node: moves in progress, or ones a crash left for recovery to stop.</summary>
    public IReadOnlyList<string> OpenCaptureIds => Array.ConvertAll(Volatile.Read(ref _captures), c => c.Handle.Id);

    /// <summary>Write fences raised on this node and not yet released.</summary>
    public int ActiveFences => Volatile.Read(ref _fences).Length;

    /// <summary>
    /// Writes <paramref name="value"/> under <paramref name="key"/>. Waits while a write fence covers the key; returns
    /// <see cref="StoreStatus.NotOwner"/> (writing nothing) when the node does not own the key in the current routing version.
    /// </summary>
    /// <exception cref="OperationCanceledException">Cancelled while waiting for a fence; nothing was written.</exception>
    /// <exception cref="ObjectDisposedException">The node is disposed.</exception>
    public ValueTask<StoreWriteResult> PutAsync(ShardKey key, ReadOnlyMemory<byte> value, CancellationToken cancellationToken) =>
        HostWriteAsync([new PendingWrite(key, value)], cancellationToken);

    /// <summary>Deletes <paramref name="key"/>; fences and ownership as for <see cref="PutAsync"/>.</summary>
    /// <exception cref="OperationCanceledException">Cancelled while waiting for a fence; nothing was written.</exception>
    /// <exception cref="ObjectDisposedException">The node is disposed.</exception>
    public ValueTask<StoreWriteResult> DeleteAsync(ShardKey key, CancellationToken cancellationToken) =>
        HostWriteAsync([new PendingWrite(key, null)], cancellationToken);

    /// <summary>
    /// Writes several entries atomically (one RocksDB write batch); fences and ownership as for <see cref="PutAsync"/>,
    /// for every key: either all are written or none.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="entries"/> is null.</exception>
    /// <exception cref="OperationCanceledException">Cancelled while waiting for a fence; nothing was written.</exception>
    /// <exception cref="ObjectDisposedException">The node is disposed.</exception>
    public ValueTask<StoreWriteResult> PutManyAsync(IReadOnlyList<KeyValueEntry> entries, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entries);
        return HostWriteAsync(ToPending(entries), cancellationToken);
    }

    /// <summary>
    /// RocksDB's answer as a read result's value: null for a missing key. Converted implicitly, a null array became an
    /// empty <see cref="ReadOnlyMemory{T}"/> (the conversion gives no null), so a key never written or deleted read as
    /// found with an empty value.
    /// </summary>
    private static ReadOnlyMemory<byte>? Stored(byte[]? value)
    {
        // Not a conditional expression: `value is null ? null : …` is typed ReadOnlyMemory<byte>, and the null literal
        // goes through the same array conversion.
        if (value is null)
        {
            return null;
        }

        return value;
    }

    /// <summary>Reads <paramref name="key"/>, if the node owns it in the current routing version for the whole read.</summary>
    /// <exception cref="ObjectDisposedException">The node is disposed.</exception>
    public StoreReadResult Get(ShardKey key)
    {
        Enter();
        try
        {
            if (_routing is null)
            {
                return new StoreReadResult(StoreStatus.Ok, Stored(_db.Get(key.Span, _dataFamily)), -1);
            }

            while (true)
            {
                var before = _routing.Current;
                if (before.Route(key.Span).Node != Id)
                {
                    return new StoreReadResult(StoreStatus.NotOwner, null, before.Version);
                }

                var value = Stored(_db.Get(key.Span, _dataFamily));

                // If the routing changed while we read, the key may have moved away and back, and this node might
                // have missed writes acknowledged elsewhere in between: read again under one stable version.
                if (_routing.Current.Version == before.Version)
                {
                    return new StoreReadResult(StoreStatus.Ok, value, before.Version);
                }
            }
        }
        finally
        {
            Exit();
        }
    }

    /// <summary>
    /// Reads up to <paramref name="maxEntries"/> entries of <paramref name="range"/> in key order, if the node owns the
    /// whole range in one routing version that does not change while it reads.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxEntries"/> is not positive.</exception>
    /// <exception cref="OperationCanceledException">Cancelled.</exception>
    /// <exception cref="ObjectDisposedException">The node is disposed.</exception>
    public StoreScanResult Scan(KeyRange range, int maxEntries, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxEntries);
        Enter();
        try
        {
            while (true)
            {
                var before = _routing?.Current;
                if (before is not null && !OwnsWholeRange(before, range))
                {
                    return new StoreScanResult(StoreStatus.NotOwner, [], before.Version);
                }

                var entries = new List<KeyValueEntry>();
                ScanRange(range, range.Start, snapshot: null, bulk: false, (key, value) =>
                {
                    entries.Add(new KeyValueEntry(ShardKey.FromBytes(key), value.ToArray()));
                    return entries.Count < maxEntries;
                }, cancellationToken);
                if (before is null || _routing!.Current.Version == before.Version)
                {
                    return new StoreScanResult(StoreStatus.Ok, entries, before?.Version ?? -1);
                }
            }
        }
        finally
        {
            Exit();
        }
    }

    /// <summary>Closes the RocksDB database; acknowledged writes are already in its write-ahead log.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        var spin = default(SpinWait);
        while (Volatile.Read(ref _activeOperations) != 0)
        {
            spin.SpinOnce();
        }

        ISnapshotReader[] copies;
        lock (_copies)
        {
            copies = [.. _copies];
        }

        foreach (var copy in copies)
        {
            // A copy or checksum scan still open (its caller died with it) holds an iterator and a snapshot on this database.
            copy.Release();
        }

        foreach (var fence in Volatile.Read(ref _fences))
        {
            // Writers waiting at a fence must not wait forever for a node that is gone; they fail in Enter().
            fence.Release();
        }

        _db.Dispose();
    }

    internal ChangeCapture StartChangeCapture(KeyRange range, string captureId)
    {
        Enter();
        try
        {
            ActiveCapture capture;
            lock (_writeLock)
            {
                var existing = FindCapture(captureId);
                if (existing is not null)
                {
                    return existing.Handle;
                }

                var number = _nextCaptureNumber;
                capture = new ActiveCapture(Id, captureId, number, range, _nextSequence);
                using (var batch = new WriteBatch())
                {
                    batch.Put(ChangeLogFormat.MetaKey(captureId), ChangeLogFormat.EncodeMeta(number, range, _nextSequence), _capturesFamily);
                    batch.Put(ChangeLogFormat.CaptureCounterKey, ChangeLogFormat.EncodeUInt64(number + 1), _capturesFamily);

                    // Durable as the node's writes are (SyncWrites): a crash of the process keeps it (write-ahead log); a
                    // machine crash without SyncWrites may lose it, but then with every later write of the log, and the
                    // executor rolls back a move whose capture it cannot find.
                    _db.Write(batch, _writeOptions);
                }

                _nextCaptureNumber = number + 1;
                Volatile.Write(ref _captures, [.. _captures, capture]);
            }

            RocksDbLog.CaptureStarted(_logger, captureId, Id, range);
            return capture.Handle;
        }
        finally
        {
            Exit();
        }
    }

    internal ChangeCapture? ResumeChangeCapture(string captureId)
    {
        Enter();
        try
        {
            var capture = FindCapture(captureId);
            if (capture is not null)
            {
                RocksDbLog.CaptureResumed(_logger, captureId, Id, capture.Handle.StartSequence);
            }

            return capture?.Handle;
        }
        finally
        {
            Exit();
        }
    }

    internal void StopChangeCapture(string captureId)
    {
        Enter();
        try
        {
            lock (_writeLock)
            {
                var capture = FindCapture(captureId);
                if (capture is null)
                {
                    return;
                }

                using (var batch = new WriteBatch())
                {
                    var start = ChangeLogFormat.LogKey(capture.Number, 0);
                    var end = ChangeLogFormat.LogEnd(capture.Number);
                    batch.DeleteRange(start, (ulong)start.Length, end, (ulong)end.Length, _changesFamily);
                    batch.Delete(ChangeLogFormat.MetaKey(captureId), _capturesFamily);
                    _db.Write(batch, _syncWriteOptions);
                }

                Volatile.Write(ref _captures, Array.FindAll(_captures, c => !ReferenceEquals(c, capture)));
            }

            RocksDbLog.CaptureStopped(_logger, captureId, Id);
        }
        finally
        {
            Exit();
        }
    }

    /// <summary>Iterators a copy from this node or a checksum scan of it reads in parallel (<see cref="RocksDbClusterOptions.ScanParallelism"/>).</summary>
    internal int ScanLanes { get; }

    /// <summary>Whether a whole-range copy to this node reads its commits back as it goes (<see cref="RocksDbClusterOptions.ReadBackWhileCopying"/>).</summary>
    internal bool ReadBackWhileCopying { get; }

    /// <summary>Options for table files built to be ingested into the data family (its comparator; no compression).</summary>
    internal ColumnFamilyOptions IngestFileOptions => _ingestFileOptions;

    /// <summary>
    /// The options of the table files a copy builds for ingestion (the benchmark's storage floor builds its file with them
    /// too). Not compressed: compressing is what a flush or compaction does in the background for ordinary writes, and
    /// doing it on the copy's path made the copy slower than writing through the memtable; compaction compresses the data
    /// later, as it would have anyway. Blocks of <see cref="IngestBlockBytes"/>.
    /// </summary>
    internal static ColumnFamilyOptions CreateIngestFileOptions() =>
        new ColumnFamilyOptions()
            .SetCompression(Compression.No)
            .SetBlockBasedTableFactory(new BlockBasedTableOptions().SetBlockSize(IngestBlockBytes));

    /// <summary>A snapshot and the node's next sequence, taken together under the write lock: the snapshot holds exactly the writes below it.</summary>
    internal (Snapshot Snapshot, long Sequence) CreateSequencedSnapshot()
    {
        Enter();
        try
        {
            lock (_writeLock)
            {
                return (_db.CreateSnapshot(), _nextSequence);
            }
        }
        finally
        {
            Exit();
        }
    }

    /// <summary>An iterator over the data column family; the caller keeps <paramref name="readOptions"/> alive as long as it.</summary>
    internal Iterator NewDataIterator(ReadOptions readOptions)
    {
        Enter();
        try
        {
            return _db.NewIterator(_dataFamily, readOptions);
        }
        finally
        {
            Exit();
        }
    }

    internal void RegisterCopy(ISnapshotReader copy)
    {
        lock (_copies)
        {
            _copies.Add(copy);
        }
    }

    internal void UnregisterCopy(ISnapshotReader copy)
    {
        lock (_copies)
        {
            _copies.Remove(copy);
        }
    }

    /// <summary>
    /// Releases <paramref name="reader"/> while the database is open: entering the node keeps its disposal from closing the
    /// database under the release; a node already being disposed releases every open reader itself.
    /// </summary>
    internal void ReleaseWhileOpen(ISnapshotReader reader)
    {
        try
        {
            Enter();
        }
        catch (ObjectDisposedException)
        {
            return;
        }

        try
        {
            reader.Release();
        }
        finally
        {
            Exit();
        }
    }

    /// <summary>A new file name in this node's ingest folder, which is made again if it has gone.</summary>
    internal string NewIngestFilePath()
    {
        // The folder is empty between copies, which is what a temporary-file cleaner (systemd-tmpfiles, tmpreaper)
        // removes; every later copy to the node then failed with RocksDB's "No such file or directory" until the node
        // was reopened. One call per table file (a lane's file holds up to a chunk), nothing beside writing it.
        System.IO.Directory.CreateDirectory(_ingestDirectory);
        return Path.Combine(_ingestDirectory, Guid.NewGuid().ToString("N") + ".sst");
    }

    /// <summary>
    /// Ingests finished files of <paramref name="range"/>'s entries (not overlapping each other) into the data family, in one
    /// ingest (one MANIFEST write). Refused while a change capture
    /// overlaps the range: ingested entries bypass the change log, so a capture would miss them.
    /// </summary>
    /// <exception cref="InvalidOperationException">A change capture on this node overlaps <paramref name="range"/>.</exception>
    internal void IngestCopy(string[] paths, KeyRange range)
    {
        Enter();
        try
        {
            var captures = Volatile.Read(ref _captures);
            if (Array.Find(captures, c => c.Range.Overlaps(range)) is { } capture)
            {
                throw new InvalidOperationException($"Node '{Id}' has change capture '{capture.Handle.Id}' on {capture.Range}, which overlaps the range {range} being copied to it; a node cannot receive a range it is capturing.");
            }

            // Not under the write lock: RocksDB orders the ingest with concurrent writes itself, and host writes to other
            // ranges should not wait for it (a capture cannot start here for a range the node does not own).
            _db.IngestExternalFiles(paths, _ingestOptions, _dataFamily);
        }
        finally
        {
            Exit();
        }
    }

    internal IReadOnlyList<ChangeRecord> ReadChanges(ChangeCapture capture, long fromSequence, int maxChanges, CancellationToken cancellationToken)
    {
        Enter();
        try
        {
            cancellationToken.ThrowIfCancellationRequested();
            var active = FindCapture(capture.Id)
                ?? throw new InvalidOperationException($"Change capture '{capture.Id}' is not open on node '{Id}' (it was stopped, or never started there).");
            var records = new List<ChangeRecord>(Math.Min(maxChanges, 1024));
            var readOptions = new ReadOptions()
                .SetIterateLowerBound(ChangeLogFormat.LogKey(active.Number, Math.Max(fromSequence, 0)))
                .SetIterateUpperBound(ChangeLogFormat.LogEnd(active.Number));
            using var iterator = _db.NewIterator(_changesFamily, readOptions);
            for (iterator.SeekToFirst(); iterator.Valid() && records.Count < maxChanges; iterator.Next())
            {
                if (records.Count % CancellationCheckInterval == CancellationCheckInterval - 1)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                }

                var (key, value) = ChangeLogFormat.DecodeRecord(iterator.GetValueSpan());
                records.Add(new ChangeRecord(ChangeLogFormat.ReadSequence(iterator.GetKeySpan()), key, value));
            }

            if (records.Count < maxChanges)
            {
                ThrowIfFailed(iterator);
            }

            GC.KeepAlive(readOptions);

            return records;
        }
        finally
        {
            Exit();
        }
    }

    internal RangeChunk ReadChunk(KeyRange range, ShardKey from, int maxBytes, CancellationToken cancellationToken)
    {
        Enter();
        try
        {
            var entries = new List<KeyValueEntry>();
            long bytes = 0;
            ShardKey? resumeFrom = null;
            var start = from > range.Start ? from : range.Start;

            // Values are copied into one buffer per chunk instead of an array each: a copy reads many small values, and an
            // allocation per value was a large share of a chunk read's time.
            var buffer = new byte[Math.Min(maxBytes, ValueBufferBytes)];
            var used = 0;
            ScanRange(range, start, snapshot: null, bulk: true, (key, value) =>
            {
                // Never past the limit, except that a chunk always holds at least one entry so the copy progresses.
                var size = key.Length + value.Length;
                if (entries.Count > 0 && bytes + size > maxBytes)
                {
                    resumeFrom = ShardKey.FromBytes(key);
                    return false;
                }

                if (used + value.Length > buffer.Length)
                {
                    buffer = new byte[Math.Max(value.Length, Math.Min(maxBytes, ValueBufferBytes))];
                    used = 0;
                }

                value.CopyTo(buffer.AsSpan(used));
                entries.Add(new KeyValueEntry(ShardKey.FromBytes(key), buffer.AsMemory(used, value.Length)));
                used += value.Length;
                bytes += size;
                return true;
            }, cancellationToken);
            return new RangeChunk(entries, resumeFrom);
        }
        finally
        {
            Exit();
        }
    }

    internal RangeChecksum Checksum(KeyRange range, CancellationToken cancellationToken)
    {
        Enter();
        try
        {
            cancellationToken.ThrowIfCancellationRequested();
            Snapshot snapshot;
            long sequence;
            lock (_writeLock)
            {
                // Taken under the write lock, the snapshot holds exactly the writes below the node's next sequence.
                snapshot = _db.CreateSnapshot();
                sequence = _nextSequence;
            }

            using (snapshot)
            {
                var hasher = new RangeHasher();
                ScanRange(range, range.Start, snapshot, bulk: true, (key, value) =>
                {
                    hasher.Append(key, value);
                    return true;
                }, cancellationToken);
                return hasher.ToChecksum(sequence);
            }
        }
        finally
        {
            Exit();
        }
    }

    /// <summary>
    /// Cuts <paramref name="range"/> into up to <paramref name="parts"/> consecutive sub-ranges of about equal key space
    /// between the first and last key the node holds in it now (two seeks, no scan; <see cref="KeySplitter"/>), for reading
    /// on several threads; the range itself when it holds too few keys to cut.
    /// </summary>
    internal IReadOnlyList<KeyRange> SplitForReading(KeyRange range, int parts)
    {
        if (parts <= 1 || (range.End is { } end && range.Start >= end))
        {
            return [range];
        }

        var readOptions = new ReadOptions().SetIterateLowerBound(range.Start.Span.ToArray()).SetFillCache(false);
        if (range.End is { } upper)
        {
            readOptions.SetIterateUpperBound(upper.Span.ToArray());
        }

        var splits = FindSplitKeys(readOptions, range.Start, parts);
        var pieces = new KeyRange[splits.Count + 1];
        for (var i = 0; i < pieces.Length; i++)
        {
            pieces[i] = new KeyRange(i == 0 ? range.Start : splits[i - 1], i == splits.Count ? range.End : splits[i]);
        }

        return pieces;
    }

    /// <summary>
    /// Up to <paramref name="parts"/> − 1 keys that cut the keys an iterator with <paramref name="readOptions"/> (its
    /// bounds, and its snapshot if any) sees from <paramref name="start"/> on into parts of about equal key space: two
    /// seeks, to the first and the last key, and <see cref="KeySplitter"/> between them; none when it sees fewer than two.
    /// </summary>
    internal IReadOnlyList<ShardKey> FindSplitKeys(ReadOptions readOptions, ShardKey start, int parts)
    {
        Enter();
        try
        {
            using var iterator = _db.NewIterator(_dataFamily, readOptions);
            iterator.Seek(start.Span);
            if (!iterator.Valid())
            {
                ThrowIfFailed(iterator);
                return [];
            }

            var first = iterator.GetKeySpan().ToArray();
            iterator.SeekToLast();
            if (!iterator.Valid())
            {
                ThrowIfFailed(iterator);
                return [];
            }

            return KeySplitter.Split(first, iterator.GetKeySpan(), parts);
        }
        finally
        {
            // The iterator's bounds live in memory the ReadOptions frees when finalized (see ScanRange).
            GC.KeepAlive(readOptions);
            Exit();
        }
    }

    /// <summary>
    /// Appends to <paramref name="hasher"/> every entry the node holds in <paramref name="range"/> now, in key order (no
    /// snapshot: the caller reads a range nothing else writes, the part of a range being copied here that a commit has
    /// just ingested), reading for bulk work (no block-cache fill, 2 MiB readahead).
    /// </summary>
    /// <param name="range">The keys to read.</param>
    /// <param name="hasher">Receives the entries.</param>
    /// <param name="cancellationToken">Cancels the read (checked every 1,024 entries).</param>
    internal void HashRangeInto(KeyRange range, RangeHasher hasher, CancellationToken cancellationToken)
    {
        Enter();
        try
        {
            ScanRange(range, range.Start, snapshot: null, bulk: true, (key, value) =>
            {
                hasher.Append(key, value);
                return true;
            }, cancellationToken);
        }
        finally
        {
            Exit();
        }
    }

    internal void WriteEntries(IReadOnlyList<KeyValueEntry> entries)
    {
        if (entries.Count == 0)
        {
            return;
        }

        Enter();
        try
        {
            // A copy chunk is written in slices, taking the write lock per slice, so a host write on this node waits for
            // one small batch at most instead of a whole chunk (puts are idempotent, so the chunk need not be atomic).
            // Each slice's batch is built before the lock is taken; only numbering, change-log records for a capture
            // (none, normally: the target does not own the range) and the write itself happen under it.
            var start = 0;
            while (start < entries.Count)
            {
                var end = start;
                long bytes = 0;
                using var batch = new WriteBatch();
                while (end < entries.Count && (end == start || (bytes < MoverSliceBytes && end - start < MoverSliceEntries)))
                {
                    var entry = entries[end];
                    batch.Put(entry.Key.Span, entry.Value.Span, _dataFamily);
                    bytes += entry.Key.Length + entry.Value.Length;
                    end++;
                }

                lock (_writeLock)
                {
                    var captures = _captures;
                    var logged = 0;
                    for (var i = start; i < end; i++)
                    {
                        logged += LogToCaptures(batch, captures, entries[i].Key, entries[i].Value, _nextSequence + (i - start));
                    }

                    CommitWrites(batch, _nextSequence + (end - start), end - start, logged);
                }

                start = end;
            }
        }
        finally
        {
            Exit();
        }
    }

    internal void ApplyChanges(IReadOnlyList<ChangeRecord> changes)
    {
        if (changes.Count == 0)
        {
            return;
        }

        var pending = new PendingWrite[changes.Count];
        for (var i = 0; i < changes.Count; i++)
        {
            var change = changes[i] ?? throw new ArgumentException($"Change {i} of {changes.Count} is null.", nameof(changes));
            if (i > 0 && change.Sequence <= changes[i - 1].Sequence)
            {
                throw new ArgumentException($"Changes must be in ascending sequence order; sequence {change.Sequence} follows {changes[i - 1].Sequence}.", nameof(changes));
            }

            pending[i] = new PendingWrite(change.Key, change.Value);
        }

        Enter();
        try
        {
            lock (_writeLock)
            {
                Apply(pending);
            }
        }
        finally
        {
            Exit();
        }
    }

    internal void DeleteRange(KeyRange range, CancellationToken cancellationToken)
    {
        Enter();
        try
        {
            cancellationToken.ThrowIfCancellationRequested();
            lock (_writeLock)
            {
                DeleteRangeUnderLock(range, cancellationToken);
            }

            RocksDbLog.RangeDeleted(_logger, range, Id);
        }
        finally
        {
            Exit();
        }
    }

    internal IAsyncDisposable RaiseFence(KeyRange range)
    {
        Enter();
        try
        {
            WriteFence fence;

            // Taking the write lock waits for the host write in progress, if any: when it is ours, none is.
            lock (_writeLock)
            {
                // Idempotent (IDataMover): a retry of a fence whose reply was lost gets the fence it took, and lifts it
                // (any handle to a fence lifts it; fences are not counted).
                if (Array.Find(_fences, f => f.Range == range) is { } existing)
                {
                    return existing;
                }

                fence = new WriteFence(range, _timeProvider.GetTimestamp(), RemoveFence);
                Volatile.Write(ref _fences, [.. _fences, fence]);
            }

            RocksDbLog.FenceRaised(_logger, Id, range);
            return fence;
        }
        finally
        {
            Exit();
        }
    }

    private void RemoveFence(WriteFence fence)
    {
        lock (_writeLock)
        {
            Volatile.Write(ref _fences, Array.FindAll(_fences, f => !ReferenceEquals(f, fence)));
        }

        if (_logger.IsEnabled(LogLevel.Debug))
        {
            var heldMilliseconds = _timeProvider.GetElapsedTime(fence.RaisedAtTimestamp).TotalMilliseconds;
            RocksDbLog.FenceReleased(_logger, Id, fence.Range, heldMilliseconds);
        }
    }

    private async ValueTask<StoreWriteResult> HostWriteAsync(PendingWrite[] writes, CancellationToken cancellationToken)
    {
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            Task wait;
            Enter();
            try
            {
                lock (_writeLock)
                {
                    var fence = FindFence(writes);
                    if (fence is null)
                    {
                        // Checked under the lock that applies the write, after the fence: a cut-over publishes the new
                        // owner while it holds the fence, so a write that waited there is refused here, never lost.
                        var version = -1L;
                        if (_guard is not null)
                        {
                            foreach (var write in writes)
                            {
                                if (!_guard.IsOwner(Id, write.Key.Span, out version))
                                {
                                    return new StoreWriteResult(StoreStatus.NotOwner, version);
                                }
                            }
                        }

                        Apply(writes);
                        return new StoreWriteResult(StoreStatus.Ok, version);
                    }

                    wait = fence.Released;
                }
            }
            finally
            {
                Exit();
            }

            RocksDbMetrics.FenceWaits.Add(1);
            await wait.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Writes under the write lock: data and, for captured keys, their log records, in one batch.</summary>
    private void Apply(PendingWrite[] writes)
    {
        using var batch = new WriteBatch();
        var captures = _captures;
        var sequence = _nextSequence;
        var logged = 0;
        foreach (var write in writes)
        {
            if (write.Value is { } value)
            {
                batch.Put(write.Key.Span, value.Span, _dataFamily);
            }
            else
            {
                batch.Delete(write.Key.Span, _dataFamily);
            }

            logged += LogToCaptures(batch, captures, write.Key, write.Value, sequence);
            sequence++;
        }

        CommitWrites(batch, sequence, writes.Length, logged);
    }

    /// <summary>
    /// Under the write lock: adds to <paramref name="batch"/> a change-log record numbered <paramref name="sequence"/> for
    /// every open capture whose range holds <paramref name="key"/> (a null value is a delete); returns how many.
    /// </summary>
    private int LogToCaptures(WriteBatch batch, ActiveCapture[] captures, ShardKey key, ReadOnlyMemory<byte>? value, long sequence)
    {
        var logged = 0;
        foreach (var capture in captures)
        {
            if (capture.Range.Contains(key))
            {
                batch.Put(ChangeLogFormat.LogKey(capture.Number, sequence), ChangeLogFormat.EncodeRecord(key.Span, value), _changesFamily);
                logged++;
            }
        }

        return logged;
    }

    /// <summary>Under the write lock: commits a batch of <paramref name="writes"/> data writes and <paramref name="logged"/> change-log records.</summary>
    private void CommitWrites(WriteBatch batch, long nextSequence, int writes, int logged)
    {
        Commit(batch, nextSequence);
        RocksDbMetrics.Writes.Add(writes);
        if (logged > 0)
        {
            RocksDbMetrics.CapturedChanges.Add(logged);
        }
    }

    /// <summary>Writes the batch and advances the counter to <paramref name="nextSequence"/>, reserving more when needed.</summary>
    private void Commit(WriteBatch batch, long nextSequence)
    {
        var reservation = _reservedSequences;
        if (nextSequence > _reservedSequences)
        {
            reservation = nextSequence + SequenceReservationBlock;
            batch.Put(ChangeLogFormat.SequenceReservationKey, ChangeLogFormat.EncodeUInt64((ulong)reservation), _capturesFamily);
        }

        // If RocksDB throws, nothing landed and the counter has not moved, so the feed keeps no gap.
        _db.Write(batch, _writeOptions);
        _reservedSequences = reservation;
        _nextSequence = nextSequence;
    }

    private void DeleteRangeUnderLock(KeyRange range, CancellationToken cancellationToken)
    {
        var start = range.Start.Span.ToArray();
        byte[] end;
        if (range.End is { } bounded)
        {
            end = bounded.Span.ToArray();

            // Nothing to delete (a move's target, normally): no tombstone, which an ingested copy would overlap and
            // which would force RocksDB to flush the memtable holding it before the ingest.
            var probeOptions = new ReadOptions().SetIterateLowerBound(start).SetIterateUpperBound(end);
            using (var probe = _db.NewIterator(_dataFamily, probeOptions))
            {
                probe.Seek(start);
                var any = probe.Valid();
                ThrowIfFailed(probe);
                GC.KeepAlive(probeOptions);
                if (!any)
                {
                    return;
                }
            }
        }
        else
        {
            // RocksDB's DeleteRange needs an end key: use the successor of the last key present.
            var readOptions = new ReadOptions().SetIterateLowerBound(start);
            using var iterator = _db.NewIterator(_dataFamily, readOptions);
            iterator.SeekToLast();
            if (!iterator.Valid())
            {
                ThrowIfFailed(iterator);
                GC.KeepAlive(readOptions);
                return;
            }

            end = ShardKey.FromBytes(iterator.GetKeySpan()).Successor().Span.ToArray();
            GC.KeepAlive(readOptions);
        }

        var captures = Array.FindAll(_captures, c => c.Range.Overlaps(range));
        if (captures.Length == 0 && DropFilesOfUnownedRange(range, start, end))
        {
            return;
        }

        using var batch = new WriteBatch();
        batch.DeleteRange(start, (ulong)start.Length, end, (ulong)end.Length, _dataFamily);
        var sequence = _nextSequence;
        if (captures.Length > 0)
        {
            // A captured range must see the deletes key by key, or a replay of its feed would resurrect them.
            ScanRange(range, range.Start, snapshot: null, bulk: true, (key, _) =>
            {
                foreach (var capture in captures)
                {
                    if (capture.Range.Contains(key))
                    {
                        batch.Put(ChangeLogFormat.LogKey(capture.Number, sequence), ChangeLogFormat.EncodeRecord(key, null), _changesFamily);
                    }
                }

                sequence++;
                return true;
            }, cancellationToken);
        }
        else
        {
            sequence++;
        }

        Commit(batch, sequence);
    }

    /// <summary>
    /// Under the write lock, for a range the node does not own that no capture covers: drops the table files that lie wholly
    /// inside [start, last key of the range] (RocksDB <c>DeleteFilesInRange</c>, a MANIFEST edit: no data is read or written) and returns true
    /// when the range is then empty, so the caller writes no range tombstone. A tombstone left in the memtable would make the
    /// next ingest of an overlapping copy wait for a memtable flush, and the entries it covers would stay on disk, to be
    /// stepped over by every scan of the range, until compaction reached them; a move's files are exactly such whole files.
    /// </summary>
    /// <remarks>
    /// Dropping files ignores snapshots and may for a moment uncover older versions of keys in files that straddle the
    /// range's ends, which is why it is only done when no host read may be served from the range (the node does not own any
    /// of it in the current routing version) and no copy or checksum scan holds a snapshot on this node; anything left is
    /// then deleted by the tombstone as before.
    /// </remarks>
    private bool DropFilesOfUnownedRange(KeyRange range, byte[] start, byte[] end)
    {
        if (_routing is null || OwnsAnyOf(_routing.Current, range))
        {
            return false;
        }

        var probeOptions = new ReadOptions().SetIterateLowerBound(start).SetIterateUpperBound(end);
        byte[] last;

        // RocksDB drops files inside [first, last] with both ends included (the C API has no include_end switch), so the
        // upper end given is the range's last key, never its exclusive end: a file that reaches the end key itself holds
        // a key of the next range and must stay. The probe is closed before the drop so it pins no file.
        using (var probe = _db.NewIterator(_dataFamily, probeOptions))
        {
            probe.SeekToLast();
            if (!probe.Valid())
            {
                ThrowIfFailed(probe);
                GC.KeepAlive(probeOptions);
                return true;
            }

            last = probe.GetKeySpan().ToArray();
        }

        lock (_copies)
        {
            if (_copies.Count > 0)
            {
                GC.KeepAlive(probeOptions);
                return false;
            }

            Native.Instance.rocksdb_delete_file_in_range_cf(_db.Handle, _dataFamily.Handle, start, (UIntPtr)start.Length, last, (UIntPtr)last.Length);
        }

        using var after = _db.NewIterator(_dataFamily, probeOptions);
        after.Seek(start);
        var empty = !after.Valid();
        ThrowIfFailed(after);
        GC.KeepAlive(probeOptions);
        return empty;
    }

    /// <summary>Iterates [start, range.End) in key order until <paramref name="visit"/> returns false.</summary>
    /// <remarks>A RocksDB iterator reads one snapshot (an implicit one when none is given), so a scan sees a single point in time while writes go on.</remarks>
    private void ScanRange(KeyRange range, ShardKey start, Snapshot? snapshot, bool bulk, Func<ReadOnlySpan<byte>, ReadOnlySpan<byte>, bool> visit, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (range.End is { } end && start >= end)
        {
            return;
        }

        // Bounds let RocksDB skip files and range tombstones outside the range instead of stepping over them.
        var readOptions = new ReadOptions().SetIterateLowerBound(start.Span.ToArray());
        if (range.End is { } upper)
        {
            readOptions.SetIterateUpperBound(upper.Span.ToArray());
        }

        if (snapshot is not null)
        {
            readOptions.SetSnapshot(snapshot);
        }

        if (bulk)
        {
            // A move's scans read each block once: keep them out of the block cache the foreground reads rely on, and
            // read ahead in large sequential requests.
            readOptions.SetFillCache(false).SetReadaheadSize(BulkReadaheadBytes);
        }

        using var iterator = _db.NewIterator(_dataFamily, readOptions);
        var visited = 0;

        // The per-entry calls go straight to the native library where they can (a third less time per entry, see
        // DirectEntryCalls), as the copy's and the stepwise checksum's do; the binding's are the fallback.
        var direct = DirectEntryCalls.Current;
        iterator.Seek(start.Span);
        while (direct?.Valid(iterator) ?? iterator.Valid())
        {
            if (++visited % CancellationCheckInterval == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }

            if (!visit(direct is null ? iterator.GetKeySpan() : direct.Key(iterator), direct is null ? iterator.GetValueSpan() : direct.Value(iterator)))
            {
                return;
            }

            if (direct is null)
            {
                iterator.Next();
            }
            else
            {
                direct.Next(iterator);
            }
        }

        ThrowIfFailed(iterator);

        // The iterator reads its bounds from memory the ReadOptions object owns and frees in its finalizer; RocksDbSharp
        // does not keep that object alive for an iterator made on a column family, so a GC mid-scan would free the bounds
        // under the iterator and end the scan early (seen as a short copy that failed verification).
        GC.KeepAlive(readOptions);
    }

    /// <summary>
    /// An iterator also stops being valid on an I/O or corruption error; without this check such a scan would end early
    /// and look like the end of the range (a short copy, a wrong checksum).
    /// </summary>
    /// <exception cref="RocksDbException">The iterator stopped on an error.</exception>
    internal static void ThrowIfFailed(Iterator iterator) => Native.Instance.rocksdb_iter_get_error(iterator.Handle);

    private void LoadState()
    {
        var captures = new List<ActiveCapture>();
        var readOptions = new ReadOptions();
        using (var iterator = _db.NewIterator(_capturesFamily, readOptions))
        {
            for (iterator.SeekToFirst(); iterator.Valid(); iterator.Next())
            {
                var key = iterator.GetKeySpan();
                if (key.SequenceEqual(ChangeLogFormat.CaptureCounterKey))
                {
                    _nextCaptureNumber = Math.Max(_nextCaptureNumber, ChangeLogFormat.DecodeUInt64(iterator.GetValueSpan()));
                }
                else if (key.SequenceEqual(ChangeLogFormat.SequenceReservationKey))
                {
                    // Every sequence used before the restart lies below the reservation.
                    _nextSequence = Math.Max(_nextSequence, (long)ChangeLogFormat.DecodeUInt64(iterator.GetValueSpan()));
                }
                else if (ChangeLogFormat.TryReadMetaKey(key, out var captureId))
                {
                    ulong number;
                    KeyRange range;
                    long startSequence;
                    try
                    {
                        (number, range, startSequence) = ChangeLogFormat.DecodeMeta(iterator.GetValueSpan());
                    }
                    catch (Exception e) when (e is ArgumentException or IndexOutOfRangeException)
                    {
                        throw new InvalidDataException($"Node '{Id}' in '{Directory}' holds an unreadable record of change capture '{captureId}' ({iterator.GetValueSpan().Length} bytes); the capture's state is lost.", e);
                    }

                    captures.Add(new ActiveCapture(Id, captureId, number, range, startSequence));
                    _nextCaptureNumber = Math.Max(_nextCaptureNumber, number + 1);
                    _nextSequence = Math.Max(_nextSequence, startSequence);
                }
            }

            ThrowIfFailed(iterator);
        }

        GC.KeepAlive(readOptions);
        _reservedSequences = _nextSequence;
        _captures = [.. captures];
    }

    private ActiveCapture? FindCapture(string captureId) =>
        Array.Find(Volatile.Read(ref _captures), c => string.Equals(c.Handle.Id, captureId, StringComparison.Ordinal));

    private WriteFence? FindFence(PendingWrite[] writes)
    {
        var fences = _fences;
        if (fences.Length == 0)
        {
            return null;
        }

        foreach (var fence in fences)
        {
            foreach (var write in writes)
            {
                if (fence.Range.Contains(write.Key))
                {
                    return fence;
                }
            }
        }

        return null;
    }

    private bool OwnsAnyOf(RoutingMap map, KeyRange range)
    {
        foreach (var route in map.Routes)
        {
            if (route.Range.Overlaps(range) && route.Node == Id)
            {
                return true;
            }
        }

        return false;
    }

    private bool OwnsWholeRange(RoutingMap map, KeyRange range)
    {
        foreach (var route in map.Routes)
        {
            if (route.Range.Overlaps(range) && route.Node != Id)
            {
                return false;
            }
        }

        return true;
    }

    private static PendingWrite[] ToPending(IReadOnlyList<KeyValueEntry> entries)
    {
        var pending = new PendingWrite[entries.Count];
        for (var i = 0; i < entries.Count; i++)
        {
            pending[i] = new PendingWrite(entries[i].Key, entries[i].Value);
        }

        return pending;
    }

    internal void Enter()
    {
        Interlocked.Increment(ref _activeOperations);
        if (Volatile.Read(ref _disposed) != 0)
        {
            Interlocked.Decrement(ref _activeOperations);
            throw new ObjectDisposedException(nameof(RocksDbNode), $"RocksDB node '{Id}' is disposed.");
        }
    }

    internal void Exit() => Interlocked.Decrement(ref _activeOperations);

    private readonly record struct PendingWrite(ShardKey Key, ReadOnlyMemory<byte>? Value);
}
