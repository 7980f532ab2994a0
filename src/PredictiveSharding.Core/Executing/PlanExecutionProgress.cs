using PredictiveSharding.Topology;

namespace PredictiveSharding.Executing;

/// <summary>
/// Progress of a plan's execution, reported by an <see cref="IPlanExecutor"/> whenever one of its actions advances (a
/// chunk copied, a state changed). The control loop's health check counts each report as work advancing, so a long move
/// that keeps reporting is not taken for a stall.
/// </summary>
/// <param name="Partition">The partition whose action advanced: one of the plan's, or of an earlier plan's action that the executor finishes first (the journalled executor's recovery), reported with nothing of the plan finished or copied.</param>
/// <param name="ActionsTotal">Actions in the plan.</param>
/// <param name="ActionsFinished">Actions that have ended (any outcome); never goes down during one execution.</param>
/// <param name="BytesCopied">Bytes copied by all moves of the plan so far.</param>
/// <param name="BytesExpected">Bytes the plan expects to move (0 when unknown).</param>
public readonly record struct PlanExecutionProgress(PartitionId Partition, int ActionsTotal, int ActionsFinished, long BytesCopied, long BytesExpected);
