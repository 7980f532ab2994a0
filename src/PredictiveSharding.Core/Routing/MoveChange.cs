using PredictiveSharding.Topology;

namespace PredictiveSharding.Routing;

/// <summary>Hands a partition to another node (after its data has been copied there).</summary>
/// <param name="Partition">The partition.</param>
/// <param name="To">Its new owner; must differ from the current one.</param>
public sealed record MoveChange(PartitionId Partition, NodeId To) : RoutingChange;
