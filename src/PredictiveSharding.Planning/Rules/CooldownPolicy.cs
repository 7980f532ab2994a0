using PredictiveSharding.Topology;

namespace PredictiveSharding.Planning.Rules;

/// <summary>
/// A partition changed less than <see cref="PlanningConstraints.Cooldown"/> ago is left alone: not split, merged or
/// moved (CockroachDB waits kv.range_split.by_load_merge_delay, 5 minutes, before merging a load-based split back).
/// </summary>
internal static class CooldownPolicy
{
    public static bool IsCooling(PlanningRequest request, PartitionId partition) =>
        request.LastChanged.TryGetValue(partition, out var changed) && changed + request.Constraints.Cooldown > request.Now;
}
