using PredictiveSharding.Keys;
using PredictiveSharding.Topology;

namespace PredictiveSharding.Routing;

/// <summary>
/// Splits a partition at ascending keys into <c>SplitKeys.Count + 1</c> new partitions, which stay on the
/// parent's node unless <see cref="Nodes"/> says otherwise (a routing-only split has no <see cref="Nodes"/>).
/// </summary>
/// <param name="Partition">The partition to split; it leaves the map.</param>
/// <param name="SplitKeys">Strictly ascending keys strictly inside the partition's range.</param>
/// <param name="NewPartitions">Ids of the children, left to right; one more than the split keys, all new to the map.</param>
/// <param name="Nodes">Optional owner of each child; null keeps every child on the parent's node.</param>
public sealed record SplitChange(
    PartitionId Partition,
    IReadOnlyList<ShardKey> SplitKeys,
    IReadOnlyList<PartitionId> NewPartitions,
    IReadOnlyList<NodeId>? Nodes = null) : RoutingChange;
