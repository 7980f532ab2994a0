using System.Globalization;
using PredictiveSharding.Keys;

namespace PredictiveSharding.Topology;

/// <summary>
/// The cluster as one routing version sees it: nodes, and partitions that cover the whole key space
/// with no gap and no overlap.
/// </summary>
public sealed class ClusterSnapshot
{
    private readonly Dictionary<NodeId, NodeInfo> _nodesById;
    private readonly Dictionary<PartitionId, PartitionInfo> _partitionsById;

    /// <summary>Creates a snapshot and checks it.</summary>
    /// <param name="nodes">The nodes; ids must be unique.</param>
    /// <param name="partitions">The partitions in any order; ids must be unique, each owned by a listed node, and together they must cover the key space exactly.</param>
    /// <param name="routingVersion">The routing version this snapshot describes.</param>
    /// <exception cref="ArgumentException">Default or duplicate ids, an unknown owner, ranges that overlap, leave a gap or do not reach the ends of the key space, or sizes that add up to more than <see cref="long.MaxValue"/> bytes.</exception>
    public ClusterSnapshot(IEnumerable<NodeInfo> nodes, IEnumerable<PartitionInfo> partitions, long routingVersion)
    {
        ArgumentNullException.ThrowIfNull(nodes);
        ArgumentNullException.ThrowIfNull(partitions);
        Guard.NonNegative(routingVersion, nameof(routingVersion));

        _nodesById = [];
        foreach (var node in nodes)
        {
            ArgumentNullException.ThrowIfNull(node, nameof(nodes));
            if (node.Id.Value is null)
            {
                throw new ArgumentException("A node has no id (a default NodeId).", nameof(nodes));
            }

            if (!_nodesById.TryAdd(node.Id, node))
            {
                throw new ArgumentException($"Node id '{node.Id}' appears more than once.", nameof(nodes));
            }
        }

        _partitionsById = [];
        var sorted = new List<PartitionInfo>();

        // Planners add byte counts up to this sum (moved bytes, merged partitions, move budgets), so it must fit a long.
        long totalBytes = 0;
        foreach (var partition in partitions)
        {
            ArgumentNullException.ThrowIfNull(partition, nameof(partitions));
            if (partition.Id.Value is null)
            {
                throw new ArgumentException($"The partition of {partition.Range} has no id (a default PartitionId).", nameof(partitions));
            }

            if (!_partitionsById.TryAdd(partition.Id, partition))
            {
                throw new ArgumentException($"Partition id '{partition.Id}' appears more than once.", nameof(partitions));
            }

            if (partition.SizeBytes > long.MaxValue - totalBytes)
            {
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"The partitions' sizes add up to more than {long.MaxValue} bytes at partition '{partition.Id}' ({partition.SizeBytes} bytes)."), nameof(partitions));
            }

            totalBytes += partition.SizeBytes;

            if (!_nodesById.ContainsKey(partition.Node))
            {
                throw new ArgumentException($"Partition '{partition.Id}' is owned by node '{partition.Node}', which is not in the snapshot.", nameof(partitions));
            }

            sorted.Add(partition);
        }

        sorted.Sort((a, b) => a.Range.Start.CompareTo(b.Range.Start));
        KeySpaceCoverage.Check(sorted, p => p.Range, p => p.Id.Value, nameof(partitions));

        Nodes = [.. _nodesById.Values];

        // Read-only: the list itself, cast back, let partitions in or out behind the coverage check above.
        Partitions = sorted.AsReadOnly();
        RoutingVersion = routingVersion;
    }

    /// <summary>The nodes, in the order given.</summary>
    public IReadOnlyList<NodeInfo> Nodes { get; }

    /// <summary>The partitions, ordered by range start.</summary>
    public IReadOnlyList<PartitionInfo> Partitions { get; }

    /// <summary>The routing version this snapshot describes.</summary>
    public long RoutingVersion { get; }

    /// <summary>The node with this id.</summary>
    /// <exception cref="KeyNotFoundException">No such node.</exception>
    public NodeInfo GetNode(NodeId id) =>
        _nodesById.TryGetValue(id, out var node) ? node : throw new KeyNotFoundException($"Node '{id}' is not in the cluster snapshot.");

    /// <summary>The partition with this id.</summary>
    /// <exception cref="KeyNotFoundException">No such partition.</exception>
    public PartitionInfo GetPartition(PartitionId id) =>
        _partitionsById.TryGetValue(id, out var partition) ? partition : throw new KeyNotFoundException($"Partition '{id}' is not in the cluster snapshot.");

    /// <summary>True when a node with this id is in the snapshot.</summary>
    public bool ContainsNode(NodeId id) => _nodesById.ContainsKey(id);

    /// <summary>True when a partition with this id is in the snapshot.</summary>
    public bool ContainsPartition(PartitionId id) => _partitionsById.ContainsKey(id);
}
