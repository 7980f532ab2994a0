using PredictiveSharding.Keys;
using PredictiveSharding.Moving;
using PredictiveSharding.Routing;
using PredictiveSharding.Topology;

namespace PredictiveSharding.TestKit.Moving;

/// <summary>
/// An in-memory, ordered, multi-node key-value store that implements <see cref="IDataMover"/>, for fast tests of the
/// executor and of hosts. Each node is an ordered set under its own lock; host writes go through
/// <see cref="PutAsync"/> and <see cref="DeleteAsync"/>, which wait at fences and, when a routing table is given,
/// refuse keys the node does not own in the current routing version (<see cref="StaleRoutingException"/>).
/// </summary>
/// <remarks>Thread-safe. Checksums are SHA-256 (truncated to 128 bits) over key length, key, value length and value, in key order.</remarks>
public sealed class InMemoryDataMover : IDataMover
{
    private readonly Dictionary<NodeId, InMemoryNode> _nodes;
    private readonly RoutingVersionGuard? _guard;

    /// <summary>Creates a store with the given nodes, all empty.</summary>
    /// <param name="nodes">The nodes; ids must be unique.</param>
    /// <param name="routing">When given, host reads and writes check ownership against it; when null they never do.</param>
    /// <exception cref="ArgumentException">No node, or a node id given twice.</exception>
    public InMemoryDataMover(IEnumerable<NodeId> nodes, IRoutingTable? routing = null)
    {
        ArgumentNullException.ThrowIfNull(nodes);
        _nodes = [];
        foreach (var node in nodes)
        {
            if (!_nodes.TryAdd(node, new InMemoryNode(node)))
            {
                throw new ArgumentException($"Node '{node}' is given twice.", nameof(nodes));
            }
        }

        if (_nodes.Count == 0)
        {
            throw new ArgumentException("An in-memory store needs at least one node.", nameof(nodes));
        }

        _guard = routing is null ? null : new RoutingVersionGuard(routing);
        Nodes = [.. _nodes.Keys];
    }

    /// <inheritdoc />
    public IReadOnlyCollection<NodeId> Nodes { get; }

    /// <summary>A host write: waits while the key is fenced, then (with a routing table) checks ownership, then stores the value.</summary>
    /// <exception cref="StaleRoutingException">The node does not own the key in the current routing version; nothing was written.</exception>
    public ValueTask PutAsync(NodeId node, ShardKey key, ReadOnlyMemory<byte> value, CancellationToken cancellationToken = default) =>
        Node(node).HostWriteAsync(key, value.ToArray(), _guard, cancellationToken);

    /// <summary>A host delete: like <see cref="PutAsync"/>, removing the key.</summary>
    /// <exception cref="StaleRoutingException">The node does not own the key in the current routing version; nothing was deleted.</exception>
    public ValueTask DeleteAsync(NodeId node, ShardKey key, CancellationToken cancellationToken = default) =>
        Node(node).HostWriteAsync(key, null, _guard, cancellationToken);

    /// <summary>A host read: the value, or null when absent. With a routing table, ownership is checked after reading, so a read that raced a cut-over is refused rather than answered from the old owner.</summary>
    /// <exception cref="StaleRoutingException">The node does not own the key in the current routing version.</exception>
    public byte[]? Get(NodeId node, ShardKey key)
    {
        var value = Node(node).Get(key);
        _guard?.EnsureOwner(node, key);
        return value;
    }

    /// <summary>Stores entries on a node directly (no fence, no ownership check), e.g. to load a test cluster.</summary>
    public void Seed(NodeId node, IEnumerable<KeyValueEntry> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        Node(node).Write([.. entries]);
    }

    /// <summary>Every entry a node holds, in key order (copies of the keys, shared immutable values).</summary>
    public IReadOnlyList<KeyValueEntry> Dump(NodeId node) => Node(node).Dump(KeyRange.Full);

    /// <summary>Every entry a node holds in a range, in key order.</summary>
    public IReadOnlyList<KeyValueEntry> Dump(NodeId node, KeyRange range) => Node(node).Dump(range);

    /// <summary>Change captures open on a node (to check that a move left none behind).</summary>
    public int CaptureCount(NodeId node) => Node(node).CaptureCount;

    /// <summary>Fences held on a node (to check that a move left none behind).</summary>
    public int FenceCount(NodeId node) => Node(node).FenceCount;

    /// <inheritdoc />
    public ValueTask<ChangeCapture> StartChangeCaptureAsync(NodeId node, KeyRange range, string captureId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(captureId);
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(Node(node).StartCapture(range, captureId));
    }

    /// <inheritdoc />
    public ValueTask<ChangeCapture?> ResumeChangeCaptureAsync(NodeId node, string captureId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(captureId);
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(Node(node).FindCapture(captureId));
    }

    /// <inheritdoc />
    public ValueTask StopChangeCaptureAsync(NodeId node, string captureId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(captureId);
        cancellationToken.ThrowIfCancellationRequested();
        Node(node).StopCapture(captureId);
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask<RangeChunk> ReadChunkAsync(NodeId node, KeyRange range, ShardKey from, int maxBytes, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxBytes);
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(Node(node).ReadChunk(range, from, maxBytes));
    }

    /// <inheritdoc />
    public ValueTask WriteAsync(NodeId node, IReadOnlyList<KeyValueEntry> entries, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entries);
        cancellationToken.ThrowIfCancellationRequested();
        Node(node).Write(entries);
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<ChangeRecord>> ReadChangesAsync(ChangeCapture capture, long fromSequence, int maxChanges, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(capture);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxChanges);
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(Node(capture.Node).ReadChanges(capture.Id, fromSequence, maxChanges));
    }

    /// <inheritdoc />
    public ValueTask ApplyChangesAsync(NodeId node, IReadOnlyList<ChangeRecord> changes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(changes);
        cancellationToken.ThrowIfCancellationRequested();
        Node(node).Apply(changes);
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask<RangeChecksum> ChecksumAsync(NodeId node, KeyRange range, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(Node(node).Checksum(range));
    }

    /// <inheritdoc />
    public ValueTask<RangeChecksumScan> OpenChecksumScanAsync(NodeId node, KeyRange range, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult<RangeChecksumScan>(Node(node).OpenChecksumScan(range));
    }

    /// <inheritdoc />
    public ValueTask<IAsyncDisposable> FenceWritesAsync(NodeId node, KeyRange range, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(Node(node).Fence(range));
    }

    /// <inheritdoc />
    public ValueTask DeleteRangeAsync(NodeId node, KeyRange range, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        Node(node).DeleteRange(range);
        return ValueTask.CompletedTask;
    }

    private InMemoryNode Node(NodeId id) =>
        _nodes.TryGetValue(id, out var node) ? node : throw new ArgumentException($"Node '{id}' is not in this in-memory store.", nameof(id));
}
