using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using PredictiveSharding.Keys;
using PredictiveSharding.Moving;
using PredictiveSharding.Routing;
using PredictiveSharding.Storage.RocksDb.ChangeFeed;
using PredictiveSharding.Storage.RocksDb.Checksums;
using PredictiveSharding.Storage.RocksDb.Copying;
using PredictiveSharding.Topology;

namespace PredictiveSharding.Storage.RocksDb;

/// <summary>
/// A reference multi-node range store: one <see cref="RocksDbNode"/> (a RocksDB database in its own sub-folder of
/// <see cref="RocksDbClusterOptions.RootDirectory"/>) per node, in one process. It implements <see cref="IDataMover"/>
/// the way a host database would over its own engine: chunked reads with bounded RocksDB iterators, batched writes
/// with <c>WriteBatch</c>, a change feed kept in a RocksDB column family (so <see cref="ResumeChangeCaptureAsync"/>
/// works after the cluster is reopened), ordered checksums (XxHash128 per entry, joined in key order so sub-ranges can be
/// hashed in parallel), <c>DeleteRange</c> (after dropping whole table files of a range the node no longer owns,
/// <c>DeleteFilesInRange</c>) and write fences.
/// </summary>
/// <remarks>
/// <para>RocksDB options set on every node, and why:</para>
/// <list type="bullet">
/// <item><c>create_if_missing</c> and <c>create_missing_column_families</c>: a node's folder and column families are created on first open.</item>
/// <item><c>IncreaseParallelism(BackgroundThreads)</c>: flushes and compactions get their own threads (default 2, the size of a small machine).</item>
/// <item><c>write_buffer_size = WriteBufferBytes</c> (16 MiB) on each column family: several nodes share one process, so RocksDB's 64 MiB default would hold too much memory.</item>
/// <item><c>info_log_level = WARN</c>, <c>keep_log_file_num = 2</c>, <c>max_log_file_size = 1 MiB</c>: the informational LOG file would otherwise grow with every flush.</item>
/// <item>Writes: <c>WriteOptions.sync = SyncWrites</c> (default off: the write-ahead log is written before a write is acknowledged, which survives a process crash); a capture's start is written as durably as the node's writes (a machine crash without <c>sync</c> loses it only with every later write of the log, and the executor rolls back a move whose capture it cannot find); its stop is always written with <c>sync</c>.</item>
/// <item>Reads: iterators with <c>iterate_lower_bound</c>/<c>iterate_upper_bound</c> set to the range, so RocksDB skips what lies outside it; each iterator reads one implicit snapshot (checksums an explicit one, taken under the write lock).</item>
/// <item>The mover's scans (chunks, checksums) set <c>fill_cache = false</c> and <c>readahead_size = 2 MiB</c>: they read each block once, so they must not evict the blocks foreground reads use, and they read sequentially.</item>
/// <item>Copies (<see cref="OpenCopyAsync"/>): one snapshot of the source read by <see cref="RocksDbClusterOptions.ScanParallelism"/> iterators over sub-ranges in parallel, each into its own uncompressed table file built with <c>SstFileWriter</c>, the files ingested into the target together with one <c>IngestExternalFiles</c> (<c>move_files</c>): no write-ahead log or memtable inserts on the target, and the ingest syncs the file and the MANIFEST, so a committed copy survives a machine crash. Compaction compresses the data later. Files are built in a folder beside the node's (<c>node-X.ingest</c>), emptied when the node opens.</item>
/// </list>
/// <para>
/// When a routing table is given, each node serves host requests (<see cref="RocksDbNode.PutAsync"/>,
/// <see cref="RocksDbNode.Get"/>, ...) only for keys it owns in the current routing version; the <see cref="IDataMover"/>
/// methods are the executor's and do not check ownership.
/// </para>
/// </remarks>
public sealed class RocksDbCluster : IDataMover, IDisposable
{
    /// <summary>
    /// The longest folder name a node may have (<see cref="FolderName"/>): 255, the longest file name on common file
    /// systems (ext4, XFS, NTFS, APFS), less the 7 characters of ".ingest" that the node's ingest folder adds to it.
    /// </summary>
    internal const int MaxFolderNameLength = 248;

    private readonly Dictionary<NodeId, RocksDbNode> _nodes;

    /// <summary>Opens (or creates) a node for each id under <see cref="RocksDbClusterOptions.RootDirectory"/>.</summary>
    /// <param name="options">The settings; validated.</param>
    /// <param name="nodes">The node ids; at least one, no duplicates, none differing from another only by case. A node's folder is named after its id: <c>node-</c> and the id, each character other than an ASCII letter, digit, <c>-</c> or <c>_</c> written as <c>~</c> and two hex digits per UTF-8 byte, at most 248 characters in all (243 ASCII letters or digits).</param>
    /// <param name="routing">The cluster's routing table, used to refuse host requests for keys a node does not own; null to serve every key.</param>
    /// <param name="timeProvider">Time source for fence durations; null for <see cref="TimeProvider.System"/>.</param>
    /// <param name="loggerFactory">Logging; null for none.</param>
    /// <exception cref="ArgumentException">No nodes, a duplicate node id, a node id too long for its folder name (named with the limit), node ids that differ only by case (their folders would be one on a case-insensitive file system), an invalid option, or the root folder holds the database of a node not in <paramref name="nodes"/> (opening without it would hide its data).</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    /// <exception cref="RocksDbSharp.RocksDbException">RocksDB could not open a node (e.g. its folder is locked by another open cluster).</exception>
    public RocksDbCluster(RocksDbClusterOptions options, IEnumerable<NodeId> nodes, IRoutingTable? routing = null, TimeProvider? timeProvider = null, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(nodes);
        options.Validate();
        var ids = nodes.ToArray();
        if (ids.Length == 0)
        {
            throw new ArgumentException("A RocksDB cluster needs at least one node.", nameof(nodes));
        }

        RefuseFolderNamesTooLong(ids);
        RefuseFolderClashes(ids);
        RefuseOmittedNodes(options.RootDirectory, ids);
        var logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger<RocksDbCluster>();
        _nodes = new Dictionary<NodeId, RocksDbNode>(ids.Length);
        try
        {
            foreach (var id in ids)
            {
                if (id.Value is null)
                {
                    throw new ArgumentException("A node id must not be the default (empty) value.", nameof(nodes));
                }

                if (_nodes.ContainsKey(id))
                {
                    throw new ArgumentException($"Node id '{id}' is given twice.", nameof(nodes));
                }

                var directory = Path.Combine(options.RootDirectory, FolderName(id));
                _nodes.Add(id, new RocksDbNode(id, directory, options, routing, timeProvider ?? TimeProvider.System, logger));
            }
        }
        catch
        {
            foreach (var node in _nodes.Values)
            {
                node.Dispose();
            }

            throw;
        }

        // A read-only view: the array itself could be cast back and changed under the stores it names.
        Nodes = Array.AsReadOnly(ids);
    }

    /// <summary>
    /// Refuses a node id whose folder name (<see cref="FolderName"/>) is longer than <see cref="MaxFolderNameLength"/>,
    /// before any node is opened: past it the node's ingest folder, or its database folder, is a name the file system
    /// refuses, and the open failed with an I/O error naming no limit.
    /// </summary>
    private static void RefuseFolderNamesTooLong(NodeId[] nodes)
    {
        foreach (var id in nodes)
        {
            if (id.Value is not null && FolderName(id) is { Length: > MaxFolderNameLength } folder)
            {
                throw new ArgumentException(
                    string.Create(CultureInfo.InvariantCulture, $"Node id '{id}' is too long: its folder name is {folder.Length} characters, and at most {MaxFolderNameLength} are allowed (a file system's 255 per name, less the '.ingest' of the node's ingest folder). The name is 'node-' and the id, each character other than an ASCII letter, digit, '-' or '_' written as '~' and two hex digits per UTF-8 byte: at most {MaxFolderNameLength - 5} ASCII letters or digits."),
                    nameof(nodes));
            }
        }
    }

    /// <summary>
    /// Refuses node ids whose folders differ only by case ("X" and "x": <c>node-X</c> and <c>node-x</c>), before any node
    /// is opened: on a case-insensitive file system (Windows, macOS by default) they are one folder, so the second node
    /// would open the first's database (or fail on its lock) and the two would serve each other's data. Refused rather than
    /// mapped to distinct names on every system: the folder names are the node list on disk (see
    /// <see cref="RefuseOmittedNodes"/>), and renaming them would orphan the folders of every existing cluster.
    /// </summary>
    private static void RefuseFolderClashes(NodeId[] nodes)
    {
        var seen = new Dictionary<string, NodeId>(StringComparer.OrdinalIgnoreCase);
        foreach (var id in nodes)
        {
            if (id.Value is null)
            {
                continue;
            }

            if (seen.TryGetValue(FolderName(id), out var other) && !string.Equals(other.Value, id.Value, StringComparison.Ordinal))
            {
                throw new ArgumentException(
                    $"Node ids '{other}' and '{id}' differ only by case; their folders ('{FolderName(other)}', '{FolderName(id)}') would be one folder on a case-insensitive file system (Windows, macOS), and the nodes would share one database. Give the nodes ids that differ by more than case.",
                    nameof(nodes));
            }

            seen.TryAdd(FolderName(id), id);
        }
    }

    /// <summary>
    /// Refuses to open a root folder that holds a node's database which the caller left out: the cluster would serve
    /// and route around that node as if its data did not exist, and the executor's recovery would not see its ranges.
    /// </summary>
    /// <remarks>
    /// The node folders themselves are the node list (their names are derived from the ids one to one), so no separate
    /// manifest can disagree with the data. A database is recognised by RocksDB's <c>CURRENT</c> file; a decommissioned
    /// node's folder must be removed (once its ranges have moved away) before the cluster is reopened without it.
    /// </remarks>
    private static void RefuseOmittedNodes(string root, NodeId[] nodes)
    {
        if (!System.IO.Directory.Exists(root))
        {
            return;
        }

        var expected = new HashSet<string>(StringComparer.Ordinal);
        foreach (var id in nodes)
        {
            if (id.Value is not null)
            {
                expected.Add(FolderName(id));
            }
        }

        var omitted = System.IO.Directory.EnumerateDirectories(root, "node-*")
            .Where(d => !d.EndsWith(".ingest", StringComparison.Ordinal) && !expected.Contains(Path.GetFileName(d)) && File.Exists(Path.Combine(d, "CURRENT")))
            .Order(StringComparer.Ordinal)
            .ToList();
        if (omitted.Count > 0)
        {
            throw new ArgumentException(
                $"The folder '{root}' holds the database of node(s) not in the list given ({string.Join(", ", omitted.Select(Path.GetFileName))}); opening without them would hide their data. Pass every node, or remove a decommissioned node's folder once its ranges have moved away.",
                nameof(nodes));
        }
    }

    /// <summary>The node with this id.</summary>
    /// <exception cref="ArgumentException">No such node.</exception>
    public RocksDbNode Node(NodeId id) =>
        _nodes.TryGetValue(id, out var node)
            ? node
            : throw new ArgumentException($"Node '{id}' is not in this RocksDB cluster (nodes: {string.Join(", ", _nodes.Keys)}).", nameof(id));

    /// <inheritdoc />
    public IReadOnlyCollection<NodeId> Nodes { get; }

    /// <inheritdoc />
    /// <exception cref="ArgumentException"><paramref name="captureId"/> is empty, or is not valid UTF-16 (a lone surrogate; the node stores the id as UTF-8 and could not resume the capture by it after a restart).</exception>
    public ValueTask<ChangeCapture> StartChangeCaptureAsync(NodeId node, KeyRange range, string captureId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(captureId);
        ChangeLogFormat.ThrowIfNotValidUtf16(captureId, nameof(captureId));
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(Node(node).StartChangeCapture(range, captureId));
    }

    /// <inheritdoc />
    public ValueTask<ChangeCapture?> ResumeChangeCaptureAsync(NodeId node, string captureId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(captureId);
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(Node(node).ResumeChangeCapture(captureId));
    }

    /// <inheritdoc />
    public ValueTask StopChangeCaptureAsync(NodeId node, string captureId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(captureId);
        cancellationToken.ThrowIfCancellationRequested();
        Node(node).StopChangeCapture(captureId);
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask<RangeChunk> ReadChunkAsync(NodeId node, KeyRange range, ShardKey from, int maxBytes, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxBytes);
        return ValueTask.FromResult(Node(node).ReadChunk(range, from, maxBytes, cancellationToken));
    }

    /// <summary>
    /// Opens a bulk copy: one snapshot of the source read by <see cref="RocksDbClusterOptions.ScanParallelism"/> iterators
    /// over sub-ranges, in parallel, into RocksDB table files (one per sub-range) that are ingested together
    /// into the target at each <see cref="RangeCopy.CommitAsync"/> (no write-ahead log or memtable on the target; the file
    /// and the MANIFEST are synced by the ingest), with the source's checksum at that snapshot computed from the copied
    /// bytes when the copy starts at the range's start.
    /// </summary>
    /// <exception cref="ArgumentException">An unknown node, or <paramref name="source"/> and <paramref name="target"/> are the same node.</exception>
    /// <exception cref="OperationCanceledException">Cancelled.</exception>
    public ValueTask<RangeCopy> OpenCopyAsync(NodeId source, NodeId target, KeyRange range, ShardKey from, CancellationToken cancellationToken)
    {
        var reader = Node(source);
        var writer = Node(target);
        if (ReferenceEquals(reader, writer))
        {
            throw new ArgumentException($"A copy needs two nodes; source and target are both '{source}'.", nameof(target));
        }

        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult<RangeCopy>(new RocksDbRangeCopy(reader, writer, range, from));
    }

    /// <inheritdoc />
    public ValueTask WriteAsync(NodeId node, IReadOnlyList<KeyValueEntry> entries, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entries);
        var target = Node(node);
        cancellationToken.ThrowIfCancellationRequested();
        target.WriteEntries(entries);
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<ChangeRecord>> ReadChangesAsync(ChangeCapture capture, long fromSequence, int maxChanges, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(capture);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxChanges);
        return ValueTask.FromResult(Node(capture.Node).ReadChanges(capture, fromSequence, maxChanges, cancellationToken));
    }

    /// <inheritdoc />
    public ValueTask ApplyChangesAsync(NodeId node, IReadOnlyList<ChangeRecord> changes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(changes);
        var target = Node(node);
        cancellationToken.ThrowIfCancellationRequested();
        target.ApplyChanges(changes);
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask<RangeChecksum> ChecksumAsync(NodeId node, KeyRange range, CancellationToken cancellationToken) =>
        ValueTask.FromResult(Node(node).Checksum(range, cancellationToken));

    /// <summary>
    /// Opens a checksum over one snapshot of the node, read in steps by <see cref="RocksDbClusterOptions.ScanParallelism"/>
    /// iterators over sub-ranges, in parallel (no block-cache fill, 2 MiB
    /// readahead); the result equals <see cref="ChecksumAsync"/>'s for that snapshot. The snapshot is held until the scan
    /// is disposed (or the node is).
    /// </summary>
    /// <exception cref="ArgumentException">An unknown node.</exception>
    /// <exception cref="OperationCanceledException">Cancelled.</exception>
    public ValueTask<RangeChecksumScan> OpenChecksumScanAsync(NodeId node, KeyRange range, CancellationToken cancellationToken)
    {
        var reader = Node(node);
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult<RangeChecksumScan>(new RocksDbChecksumScan(reader, range));
    }

    /// <inheritdoc />
    public ValueTask<IAsyncDisposable> FenceWritesAsync(NodeId node, KeyRange range, CancellationToken cancellationToken)
    {
        var target = Node(node);
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(target.RaiseFence(range));
    }

    /// <summary>
    /// Deletes every key of the range on the node with a RocksDB range tombstone. When the node owns none of the range in
    /// the current routing version (a move's clean-up or preparation), no change capture covers it and no copy or checksum
    /// scan is open on the node, whole table files inside the range are dropped first (<c>DeleteFilesInRange</c>; a move's
    /// ingested files are such files), and when that leaves the range empty no tombstone is written: the next copy into the
    /// range then ingests without forcing a memtable flush, and scans of it do not step over deleted entries.
    /// </summary>
    /// <exception cref="ArgumentException">An unknown node.</exception>
    /// <exception cref="OperationCanceledException">Cancelled.</exception>
    public ValueTask DeleteRangeAsync(NodeId node, KeyRange range, CancellationToken cancellationToken)
    {
        Node(node).DeleteRange(range, cancellationToken);
        return ValueTask.CompletedTask;
    }

    /// <summary>Closes every node's database; waiting writers are released and fail with <see cref="ObjectDisposedException"/>.</summary>
    public void Dispose()
    {
        foreach (var node in _nodes.Values)
        {
            node.Dispose();
        }
    }

    /// <summary>A folder name for a node id: letters, digits, '-' and '_' kept, any other character as '~' and its UTF-8 hex.</summary>
    internal static string FolderName(NodeId id)
    {
        var builder = new StringBuilder("node-");
        Span<byte> utf8 = stackalloc byte[4];
        foreach (var rune in id.Value.EnumerateRunes())
        {
            if (rune.IsAscii && (Rune.IsLetterOrDigit(rune) || rune.Value is '-' or '_'))
            {
                builder.Append((char)rune.Value);
            }
            else
            {
                var length = rune.EncodeToUtf8(utf8);
                builder.Append('~').Append(Convert.ToHexString(utf8[..length]));
            }
        }

        return builder.ToString();
    }
}
