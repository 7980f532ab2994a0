using PredictiveSharding.Execution;
using PredictiveSharding.Executing;

namespace PredictiveSharding.Hosting.Execution;

/// <summary>
/// Passes the journalled executor's progress on in the contract's terms (<see cref="PlanExecutionProgress"/>), whose counts
/// are the plan's throughout: <paramref name="actionsTotal"/> actions, <paramref name="bytesExpected"/> bytes expected.
/// </summary>
internal sealed class ProgressForwarder(IProgress<PlanExecutionProgress> target, int actionsTotal, long bytesExpected) : IProgress<ExecutionProgress>
{
    /// <inheritdoc />
    public void Report(ExecutionProgress value) =>
        target.Report(value.PlanId == ExecutionProgress.RecoveryPlanId

            // The recovery run before the plan finishes an earlier plan's actions with counts of its own: passed on as they
            // were, the totals changed and the finished count went back down when the plan began (the contract has no plan
            // id to tell them apart). In the plan's terms nothing has finished or been copied yet; the report still shows
            // work advancing, which the health check counts.
            ? new PlanExecutionProgress(value.Action.Partition, actionsTotal, 0, 0, bytesExpected)
            : new PlanExecutionProgress(value.Action.Partition, value.ActionsTotal, value.ActionsFinished, value.BytesCopied, value.BytesExpected));
}
