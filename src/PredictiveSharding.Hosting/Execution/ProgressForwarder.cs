using PredictiveSharding.Execution;
using PredictiveSharding.Executing;

namespace PredictiveSharding.Hosting.Execution;

/// <summary>Passes the journalled executor's progress on in the contract's terms (<see cref="PlanExecutionProgress"/>).</summary>
internal sealed class ProgressForwarder(IProgress<PlanExecutionProgress> target) : IProgress<ExecutionProgress>
{
    /// <inheritdoc />
    public void Report(ExecutionProgress value) =>
        target.Report(new PlanExecutionProgress(value.Action.Partition, value.ActionsTotal, value.ActionsFinished, value.BytesCopied, value.BytesExpected));
}
