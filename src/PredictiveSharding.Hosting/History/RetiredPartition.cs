using PredictiveSharding.Keys;
using PredictiveSharding.Telemetry;
using PredictiveSharding.Topology;

namespace PredictiveSharding.Hosting.History;

/// <summary>
/// A partition that left the routing map (split, merged, or renamed by a change), with the history it had when it left,
/// so that the growth it showed before it left is still learnt (<see cref="PartitionHistory.TakeRetired"/>).
/// </summary>
/// <param name="Partition">The partition that left.</param>
/// <param name="Range">Its key range when it left.</param>
/// <param name="Buckets">Its buckets, oldest first, including the last harvest's.</param>
/// <param name="InheritedBuckets">How many of the oldest buckets it had copied from its own parent rather than measured.</param>
internal sealed record RetiredPartition(PartitionId Partition, KeyRange Range, IReadOnlyList<LoadBucket> Buckets, int InheritedBuckets);
