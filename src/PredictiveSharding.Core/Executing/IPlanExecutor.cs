using PredictiveSharding.Planning;

namespace PredictiveSharding.Executing;

/// <summary>
/// Carries a <see cref="ShardingPlan"/> out against the host's routing and storage. The seam the control loop calls;
/// the Execution package's journalled executor is the default, and a host can put its own behind it.
/// </summary>
public interface IPlanExecutor
{
    /// <summary>Executes the plan's actions; a failed action is rolled back and reported, not thrown.</summary>
    /// <remarks>
    /// An executor that does throw after some of the plan's actions ended (a failed journal write, a cancellation) should
    /// attach their <see cref="PlanExecutionSummary"/> to the exception under <see cref="PlanExecutionSummary.ExceptionDataKey"/>:
    /// a move that completed is in force, and the control loop meters, logs and counts it only from there.
    /// </remarks>
    /// <exception cref="ArgumentException">The plan is inconsistent with the cluster (unknown partitions or nodes, overlapping moves); nothing was changed.</exception>
    /// <exception cref="OperationCanceledException">Cancelled; moves in flight are rolled back or left resumable.</exception>
    Task<PlanExecutionSummary> ExecuteAsync(ShardingPlan plan, CancellationToken cancellationToken);

    /// <summary>
    /// Executes the plan's actions as <see cref="ExecuteAsync(ShardingPlan, CancellationToken)"/> does, reporting each
    /// advance of an action (a chunk copied, a state changed) to <paramref name="progress"/>. The control loop calls this
    /// overload so that its health check can tell a long move from a stalled one. The default implementation reports
    /// nothing and calls the other overload: implement it in an executor whose moves can run longer than three control
    /// intervals.
    /// </summary>
    /// <exception cref="ArgumentException">The plan is inconsistent with the cluster (unknown partitions or nodes, overlapping moves); nothing was changed.</exception>
    /// <exception cref="OperationCanceledException">Cancelled; moves in flight are rolled back or left resumable.</exception>
    Task<PlanExecutionSummary> ExecuteAsync(ShardingPlan plan, IProgress<PlanExecutionProgress>? progress, CancellationToken cancellationToken) =>
        ExecuteAsync(plan, cancellationToken);
}
