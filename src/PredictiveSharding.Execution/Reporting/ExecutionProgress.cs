namespace PredictiveSharding.Execution;

/// <summary>Progress of a plan, sent when any of its actions advances.</summary>
/// <param name="PlanId">The plan's id in the journal.</param>
/// <param name="Action">The action that advanced.</param>
/// <param name="ActionsTotal">Actions in the plan.</param>
/// <param name="ActionsFinished">Actions that have ended (any outcome: skipped and left pending too); the report of each action's end counts it, so the last report of a plan that returned equals <paramref name="ActionsTotal"/>.</param>
/// <param name="BytesCopied">Bytes copied by all moves of the plan so far.</param>
/// <param name="BytesExpected">Bytes the plan expects to move.</param>
public sealed record ExecutionProgress(string PlanId, MoveProgress Action, int ActionsTotal, int ActionsFinished, long BytesCopied, long BytesExpected);
