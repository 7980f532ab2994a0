using System.Diagnostics;
using PredictiveSharding.Execution;
using PredictiveSharding.Execution.Reporting;

namespace PredictiveSharding.Benchmarks.Execution;

/// <summary>
/// Times the stages of one move from the executor's progress reports: a stage runs from the first report of its state to
/// the first report of the next one (the executor reports a state after journalling it, so a stage includes its own
/// journal record). Reports are taken synchronously on the executor's thread — <see cref="Progress{T}"/> would post them
/// to the thread pool and time the queue instead.
/// </summary>
public sealed class MoveStageTimer : IProgress<ExecutionProgress>
{
    private readonly List<(MoveState State, long Timestamp)> _entered = [];

    /// <inheritdoc />
    public void Report(ExecutionProgress value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var now = Stopwatch.GetTimestamp();
        lock (_entered)
        {
            if (_entered.Count == 0 || _entered[^1].State != value.Action.State)
            {
                _entered.Add((value.Action.State, now));
            }
        }
    }

    /// <summary>Milliseconds spent in <paramref name="state"/> (summed if it was entered more than once); 0 if never.</summary>
    public double Milliseconds(MoveState state)
    {
        lock (_entered)
        {
            double total = 0;
            for (var i = 0; i + 1 < _entered.Count; i++)
            {
                if (_entered[i].State == state)
                {
                    total += Stopwatch.GetElapsedTime(_entered[i].Timestamp, _entered[i + 1].Timestamp).TotalMilliseconds;
                }
            }

            return total;
        }
    }
}
