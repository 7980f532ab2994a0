using PredictiveSharding.Topology;

namespace PredictiveSharding.Planning.Rules;

/// <summary>
/// A partition changed less than <see cref="PlanningConstraints.Cooldown"/> ago is left alone: not split, merged or
/// moved (CockroachDB waits kv.range_split.by_load_merge_delay, 5 minutes, before merging a load-based split back).
/// </summary>
internal static class CooldownPolicy
{
    /// <remarks>
    /// Compared as the time since the change, not as the change plus the cooldown: that sum overflows for a change at
    /// (or a cooldown up to) the end of time, which a host may use to mean "never touch", while any two times' difference
    /// fits a <see cref="TimeSpan"/>.
    /// </remarks>
    public static bool IsCooling(PlanningRequest request, PartitionId partition) =>
        request.LastChanged.TryGetValue(partition, out var changed) && request.Now - changed < request.Constraints.Cooldown;
}
