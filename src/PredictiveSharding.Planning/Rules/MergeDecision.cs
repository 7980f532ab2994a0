using PredictiveSharding.Topology;

namespace PredictiveSharding.Planning.Rules;

/// <summary>Two adjacent cold partitions on one node merged into one.</summary>
/// <param name="Left">Index of the left partition in the load model (the right one is the next).</param>
/// <param name="Merged">The id of the merged partition.</param>
/// <param name="Reason">Why they are merged.</param>
internal sealed record MergeDecision(int Left, PartitionId Merged, string Reason);
