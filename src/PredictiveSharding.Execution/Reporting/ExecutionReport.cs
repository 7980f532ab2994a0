namespace PredictiveSharding.Execution;

/// <summary>The confirmation at the end of a plan: what was done and verified, action by action.</summary>
/// <param name="PlanId">The plan's id in the journal.</param>
/// <param name="Actions">One report per action, in plan order.</param>
/// <param name="Fences">Fence hold times of this plan's cut-overs.</param>
/// <param name="Duration">Time from start to end of the plan.</param>
public sealed record ExecutionReport(string PlanId, IReadOnlyList<ActionReport> Actions, FenceStatistics Fences, TimeSpan Duration)
{
    /// <summary>
    /// The key under which the exception <see cref="ShardingExecutor.ExecuteAsync"/> throws when an action failed with
    /// one (a journal write that failed, a bug) holds, in its <see cref="Exception.Data"/>, the report of the plan's
    /// actions that ended (the failed action and any it stopped are not in it): moves that completed before or beside the
    /// failure are in force, and their bytes were moved.
    /// </summary>
    public const string ExceptionDataKey = "PredictiveSharding.Execution.ExecutionReport";

    /// <summary>True when every action completed (moves verified and cleaned up).</summary>
    public bool AllCompleted => Actions.All(a => a.Outcome == ActionOutcome.Completed);

    /// <summary>Actions completed.</summary>
    public int CompletedCount => Actions.Count(a => a.Outcome == ActionOutcome.Completed);

    /// <summary>Actions rolled back.</summary>
    public int RolledBackCount => Actions.Count(a => a.Outcome == ActionOutcome.RolledBack);

    /// <summary>Keys verified equal on source and target over all moves.</summary>
    public long VerifiedKeys => Actions.Sum(a => a.VerifiedKeys);
}
