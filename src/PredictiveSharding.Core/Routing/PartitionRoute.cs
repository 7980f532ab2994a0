using PredictiveSharding.Keys;
using PredictiveSharding.Topology;

namespace PredictiveSharding.Routing;

/// <summary>One entry of a routing map: a partition, its key range and the node that serves it.</summary>
/// <param name="Partition">The partition.</param>
/// <param name="Range">Its keys.</param>
/// <param name="Node">The node that serves it in this routing version.</param>
public sealed record PartitionRoute(PartitionId Partition, KeyRange Range, NodeId Node);
