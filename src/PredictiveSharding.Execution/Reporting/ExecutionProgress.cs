namespace PredictiveSharding.Execution;

/// <summary>Progress of a plan, sent when any of its actions advances.</summary>
/// <param name="PlanId">The plan's id in the journal, or <see cref="RecoveryPlanId"/> for a recovery's report.</param>
/// <param name="Action">The action that advanced.</param>
/// <param name="ActionsTotal">Actions in the plan.</param>
/// <param name="ActionsFinished">Actions that have ended (any outcome: skipped and left pending too); the report of each action's end counts it, so the last report of a plan that returned equals <paramref name="ActionsTotal"/>. Never goes down within one plan id.</param>
/// <param name="BytesCopied">Bytes copied by all moves of the plan so far.</param>
/// <param name="BytesExpected">Bytes the plan expects to move.</param>
public sealed record ExecutionProgress(string PlanId, MoveProgress Action, int ActionsTotal, int ActionsFinished, long BytesCopied, long BytesExpected)
{
    /// <summary>
    /// The <see cref="PlanId"/> of the reports of a recovery (<see cref="ShardingExecutor.RecoverAsync"/>, or the one
    /// <see cref="ShardingExecutor.ExecuteAsync"/> runs before its plan), whose counts are of the unfinished actions it
    /// found, not of a plan: a watcher of a plan's progress tells them apart by this id.
    /// </summary>
    public const string RecoveryPlanId = "recovery";
}
