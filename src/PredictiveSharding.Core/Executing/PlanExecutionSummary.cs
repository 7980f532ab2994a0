namespace PredictiveSharding.Executing;

/// <summary>What an executor did with a plan.</summary>
/// <param name="Completed">Actions carried out and verified.</param>
/// <param name="RolledBack">Actions that failed or were refused and were rolled back (the source still owns the data).</param>
/// <param name="BytesMoved">Bytes copied to new owners by moves that took effect (<see cref="PlanActionResult.TookEffect"/>: completed, or completed with their clean-up pending).</param>
/// <param name="Errors">One message per action that did not complete (rolled back, refused, skipped, or left for the next recovery to finish), naming it, how it ended and the cause.</param>
public sealed record PlanExecutionSummary(int Completed, int RolledBack, long BytesMoved, IReadOnlyList<string> Errors)
{
    /// <summary>
    /// The key under which an exception that <see cref="IPlanExecutor.ExecuteAsync(Planning.ShardingPlan, CancellationToken)"/>
    /// throws part-way through a plan carries, in its <see cref="Exception.Data"/>, the <see cref="PlanExecutionSummary"/>
    /// of the plan's actions that ended before it (<c>exception.Data[PlanExecutionSummary.ExceptionDataKey] = summary</c>).
    /// Any executor may attach one, and should when an action of the plan took effect before the throw (a move that
    /// completed is in force and its bytes were moved): the control loop then meters and logs that summary, counts the
    /// plan in its status (unless the caller cancelled it), and fails the cycle with the exception. A value of another
    /// type under the key is ignored.
    /// </summary>
    public const string ExceptionDataKey = "PredictiveSharding.Executing.PlanExecutionSummary";

    /// <summary>
    /// One result per plan action, in plan order, when the executor reports them (the journalled and Redis executors
    /// do); empty from an executor that reports only the counts.
    /// </summary>
    public IReadOnlyList<PlanActionResult> Actions { get; init; } = [];
}
