using PredictiveSharding.Topology;

namespace PredictiveSharding.Routing;

/// <summary>Merges two adjacent partitions on the same node into one.</summary>
/// <param name="Left">The left partition; its range must end where <paramref name="Right"/>'s starts.</param>
/// <param name="Right">The right partition.</param>
/// <param name="Merged">The id of the merged partition, new to the map.</param>
public sealed record MergeChange(PartitionId Left, PartitionId Right, PartitionId Merged) : RoutingChange;
