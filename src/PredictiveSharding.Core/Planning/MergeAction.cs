using PredictiveSharding.Topology;

namespace PredictiveSharding.Planning;

/// <summary>Merge two adjacent cold partitions on the same node.</summary>
/// <param name="Left">The left partition.</param>
/// <param name="Right">The right partition, starting where the left ends.</param>
/// <param name="Merged">The id of the merged partition.</param>
/// <param name="MergeReason">Why.</param>
public sealed record MergeAction(PartitionId Left, PartitionId Right, PartitionId Merged, string MergeReason) : ShardingAction(MergeReason);
