using PredictiveSharding.Forecasting;
using PredictiveSharding.Topology;

namespace PredictiveSharding.Planning;

/// <summary>Everything a planner needs: the cluster now, the forecast load, the host's constraints and the time.</summary>
/// <param name="Cluster">Nodes and partitions now.</param>
/// <param name="Forecast">Forecast load per partition and resource.</param>
/// <param name="Constraints">Thresholds, budgets and preferences.</param>
/// <param name="Now">The time the plan is made (start-by times are computed from it).</param>
public sealed record PlanningRequest(ClusterSnapshot Cluster, LoadForecast Forecast, PlanningConstraints Constraints, DateTimeOffset Now)
{
    /// <summary>When each partition was last split, merged or moved, for cooldowns; partitions not listed are free.</summary>
    public IReadOnlyDictionary<PartitionId, DateTimeOffset> LastChanged { get; init; } = new Dictionary<PartitionId, DateTimeOffset>();
}
