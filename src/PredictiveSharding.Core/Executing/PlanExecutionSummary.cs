using System.Globalization;

namespace PredictiveSharding.Executing;

/// <summary>What an executor did with a plan.</summary>
/// <param name="Completed">Actions carried out and verified.</param>
/// <param name="RolledBack">Actions that failed or were refused and were rolled back (the source still owns the data).</param>
/// <param name="BytesMoved">Bytes copied to new owners by moves that took effect (<see cref="PlanActionResult.TookEffect"/>: completed, or completed with their clean-up pending).</param>
/// <param name="Errors">One message per action that did not complete (rolled back, refused, skipped, or left for the next recovery to finish), naming it, how it ended and the cause.</param>
/// <exception cref="ArgumentOutOfRangeException"><paramref name="Completed"/>, <paramref name="RolledBack"/> or <paramref name="BytesMoved"/> is negative (also when set through <c>with</c>).</exception>
public sealed record PlanExecutionSummary(int Completed, int RolledBack, long BytesMoved, IReadOnlyList<string> Errors)
{
    // Checked here, where every executor's summary is made: the control loop adds BytesMoved to a counter, which a metrics
    // backend reads as only going up (a negative figure from a host's executor read as a reset), and counts the others.
    private readonly int _completed = NonNegative(Completed, nameof(Completed));
    private readonly int _rolledBack = NonNegative(RolledBack, nameof(RolledBack));
    private readonly long _bytesMoved = NonNegative(BytesMoved, nameof(BytesMoved));

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

    /// <summary>Actions carried out and verified; zero or more.</summary>
    public int Completed
    {
        get => _completed;
        init => _completed = NonNegative(value, nameof(Completed));
    }

    /// <summary>Actions that failed or were refused and were rolled back (the source still owns the data); zero or more.</summary>
    public int RolledBack
    {
        get => _rolledBack;
        init => _rolledBack = NonNegative(value, nameof(RolledBack));
    }

    /// <summary>Bytes copied to new owners by moves that took effect (<see cref="PlanActionResult.TookEffect"/>: completed, or completed with their clean-up pending); zero or more.</summary>
    public long BytesMoved
    {
        get => _bytesMoved;
        init => _bytesMoved = NonNegative(value, nameof(BytesMoved));
    }

    /// <summary>
    /// One result per plan action, in plan order, when the executor reports them (the journalled and Redis executors
    /// do); empty from an executor that reports only the counts.
    /// </summary>
    public IReadOnlyList<PlanActionResult> Actions { get; init; } = [];

    private static T NonNegative<T>(T value, string name)
        where T : struct, IComparable<T>, IFormattable =>
        value.CompareTo(default) >= 0
            ? value
            : throw new ArgumentOutOfRangeException(name, value, string.Create(CultureInfo.InvariantCulture, $"PlanExecutionSummary.{name} must not be negative; got {value}."));
}
