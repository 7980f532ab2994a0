using PredictiveSharding.Execution.Moves;

namespace PredictiveSharding.Execution.Reporting;

/// <summary>Turns the steps of a plan's actions into <see cref="ExecutionProgress"/> for the caller's IProgress and the executor's event.</summary>
internal sealed class PlanProgressTracker(string planId, int total, long bytesExpected, TimeProvider time, IProgress<ExecutionProgress>? progress, Action<ExecutionProgress> raise)
{
    private readonly Dictionary<string, long> _bytesByAction = new(StringComparer.Ordinal);
    private int _finished;

    public void ActionFinished() => Interlocked.Increment(ref _finished);

    public void Report(MoveProgress action)
    {
        long copied;
        lock (_bytesByAction)
        {
            _bytesByAction[action.ActionId] = action.BytesCopied;
            copied = _bytesByAction.Values.Sum();
        }

        var update = new ExecutionProgress(planId, action, total, Volatile.Read(ref _finished), copied, bytesExpected);
        progress?.Report(update);
        raise(update);
    }

    public void Report(MoveContext move, MoveState state) => Report(Describe(move, state, time));

    public static MoveProgress Describe(MoveContext move, MoveState state, TimeProvider time)
    {
        var elapsed = time.GetElapsedTime(move.StartedAt).TotalSeconds;
        var rate = elapsed > 0 ? move.BytesCopied / elapsed : 0;
        TimeSpan? remaining = state switch
        {
            MoveState.Copying when rate > 0 && move.BytesExpected > 0 => TimeSpan.FromSeconds(Math.Max(0, move.BytesExpected - move.BytesCopied) / rate),
            MoveState.Copying => null,
            MoveState.Preparing => null,
            _ => TimeSpan.Zero,
        };
        return new MoveProgress
        {
            ActionId = move.ActionId,
            Kind = ActionKind.Move,
            Partition = move.Partition,
            From = move.From,
            To = move.To,
            State = state,
            BytesCopied = move.BytesCopied,
            KeysCopied = move.KeysCopied,
            BytesExpected = move.BytesExpected,
            BytesPerSecond = rate,
            LagChanges = move.Lag,
            EstimatedRemaining = remaining,
        };
    }
}
