using PredictiveSharding.Routing;
using PredictiveSharding.Topology;

namespace PredictiveSharding.Hosting.Inventory;

/// <summary>
/// An inventory for hosts whose nodes do not change: fixed nodes, and partition sizes from a callback (for example the
/// storage engine's size estimate of a key range).
/// </summary>
public sealed class FixedClusterInventory : IClusterInventory
{
    private readonly IReadOnlyList<NodeInfo> _nodes;
    private readonly Func<PartitionRoute, (long SizeBytes, long KeyCount)> _sizeOf;

    /// <summary>Creates the inventory.</summary>
    /// <param name="nodes">The nodes and their capacities; copied, so a later change to the list does not affect the inventory.</param>
    /// <exception cref="ArgumentException"><paramref name="nodes"/> is empty, or holds a null node, a node without an id, or an id twice.</exception>
    /// <param name="sizeOf">Size in bytes and key count of a partition's range; called once per partition per cycle.</param>
    public FixedClusterInventory(IReadOnlyList<NodeInfo> nodes, Func<PartitionRoute, (long SizeBytes, long KeyCount)> sizeOf)
    {
        ArgumentNullException.ThrowIfNull(nodes);
        ArgumentNullException.ThrowIfNull(sizeOf);
        if (nodes.Count == 0)
        {
            throw new ArgumentException("A cluster inventory needs at least one node.", nameof(nodes));
        }

        // Checked and copied here: a bad node failed every capture, so every control cycle rather than the host's start, and
        // the nodes are fixed (a later change to the caller's list does not reach the inventory).
        var copy = new NodeInfo[nodes.Count];
        var seen = new HashSet<NodeId>();
        for (var i = 0; i < copy.Length; i++)
        {
            var node = nodes[i] ?? throw new ArgumentException($"The inventory's node #{i} is null.", nameof(nodes));
            if (node.Id.Value is null)
            {
                throw new ArgumentException($"The inventory's node #{i} has no id (a default NodeId).", nameof(nodes));
            }

            if (!seen.Add(node.Id))
            {
                throw new ArgumentException($"Node id '{node.Id}' appears more than once in the inventory's nodes (again at node #{i}).", nameof(nodes));
            }

            copy[i] = node;
        }

        _nodes = copy;
        _sizeOf = sizeOf;
    }

    /// <inheritdoc />
    /// <exception cref="OperationCanceledException">Cancelled before or between partitions' size callbacks.</exception>
    public ValueTask<ClusterSnapshot> CaptureAsync(RoutingMap routing, IReadOnlyDictionary<PartitionId, IReadOnlyList<KeySample>> keySamples, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(routing);
        ArgumentNullException.ThrowIfNull(keySamples);
        // Checked per partition: the size callback may scan the partition's range (as the GenericHost sample's does).
        var partitions = routing.Routes.Select(route =>
        {
            cancellationToken.ThrowIfCancellationRequested();
            var (size, keys) = _sizeOf(route);
            return new PartitionInfo(route.Partition, route.Range, route.Node, size, keys)
            {
                KeySamples = keySamples.TryGetValue(route.Partition, out var samples) ? samples : [],
            };
        });
        return ValueTask.FromResult(new ClusterSnapshot(_nodes, partitions, routing.Version));
    }
}
