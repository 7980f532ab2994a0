using PredictiveSharding.Planning;

namespace PredictiveSharding.Executing;

/// <summary>What became of one action of a plan (<see cref="PlanExecutionSummary.Actions"/>).</summary>
/// <param name="Action">The plan's action.</param>
/// <param name="Status">How it ended.</param>
/// <param name="Error">Why it did not complete cleanly; null when it did.</param>
public sealed record PlanActionResult(ShardingAction Action, PlanActionStatus Status, string? Error = null)
{
    /// <summary>
    /// True when the action changed routing (<see cref="PlanActionStatus.Completed"/> or
    /// <see cref="PlanActionStatus.CompletedCleanupPending"/>): what a host keys cooldowns and bookkeeping on.
    /// </summary>
    public bool TookEffect => Status is PlanActionStatus.Completed or PlanActionStatus.CompletedCleanupPending;
}
