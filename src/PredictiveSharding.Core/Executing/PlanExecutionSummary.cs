namespace PredictiveSharding.Executing;

/// <summary>What an executor did with a plan.</summary>
/// <param name="Completed">Actions carried out and verified.</param>
/// <param name="RolledBack">Actions that failed or were refused and were rolled back (the source still owns the data).</param>
/// <param name="BytesMoved">Bytes copied to new owners by completed moves.</param>
/// <param name="Errors">One message per action that did not complete (rolled back, refused, skipped, or left for the next recovery to finish), naming it, how it ended and the cause.</param>
public sealed record PlanExecutionSummary(int Completed, int RolledBack, long BytesMoved, IReadOnlyList<string> Errors)
{
    /// <summary>
    /// One result per plan action, in plan order, when the executor reports them (the journalled and Redis executors
    /// do); empty from an executor that reports only the counts.
    /// </summary>
    public IReadOnlyList<PlanActionResult> Actions { get; init; } = [];
}
