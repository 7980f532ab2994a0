namespace PredictiveSharding.Planning;

/// <summary>Turns a forecast into a sharding plan. Infeasibility is a result (<see cref="ShardingPlan.Feasible"/>), not an exception.</summary>
public interface IShardPlanner
{
    /// <summary>Plans splits and placement for the forecast load.</summary>
    /// <exception cref="ArgumentException">The request is inconsistent (forecasts for unknown partitions, bad capacities or predictions, a forecast whose last step ends at or before <see cref="PlanningRequest.Now"/>); the message names the bad value.</exception>
    /// <exception cref="OperationCanceledException">Cancelled.</exception>
    Task<ShardingPlan> PlanAsync(PlanningRequest request, CancellationToken cancellationToken);
}
