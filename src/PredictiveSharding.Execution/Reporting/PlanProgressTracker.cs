using PredictiveSharding.Execution.Moves;

namespace PredictiveSharding.Execution.Reporting;

/// <summary>
/// Turns the steps of a plan's actions into <see cref="ExecutionProgress"/> for the caller's IProgress and the executor's
/// event, one report at a time: moves that run at once report from their own threads, and a watcher must see the
/// finished count and the bytes in the order they were counted (a consumer that waits inside Report for another
/// report of the same plan therefore waits for nothing; <see cref="Progress{T}"/> posts and never waits).
/// </summary>
internal sealed class PlanProgressTracker(string planId, int total, long bytesExpected, TimeProvider time, IProgress<ExecutionProgress>? progress, Action<ExecutionProgress> raise)
{
    private readonly Dictionary<string, long> _bytesByAction = new(StringComparer.Ordinal);

    /// <summary>Actions that have ended, by id: guarded by the lock on <see cref="_bytesByAction"/>.</summary>
    private readonly HashSet<string> _finished = new(StringComparer.Ordinal);

    /// <summary>
    /// Held while a report is counted and handed out, so two moves' reports reach the consumer in the order they were
    /// counted. A separate lock from the counts' so that <see cref="ActionFinished"/> never waits for user code.
    /// </summary>
    private readonly Lock _delivery = new();

    /// <summary>Counts an action as ended (any outcome, or skipped); counting one twice does nothing.</summary>
    public void ActionFinished(string actionId)
    {
        lock (_bytesByAction)
        {
            _finished.Add(actionId);
        }
    }

    public void Report(MoveProgress action)
    {
        lock (_delivery)
        {
            long copied;
            int finished;
            lock (_bytesByAction)
            {
                _bytesByAction[action.ActionId] = action.BytesCopied;
                copied = _bytesByAction.Values.Sum();

                // The report of an action's final state counts it as ended already: the executor marks it finished
                // only after this report, and no later report may come (the plan's last action), so a watcher would
                // otherwise never see every action finished.
                if (action.State is MoveState.Completed or MoveState.RolledBack)
                {
                    _finished.Add(action.ActionId);
                }

                finished = _finished.Count;
            }

            var update = new ExecutionProgress(planId, action, total, finished, copied, bytesExpected);
            progress?.Report(update);
            raise(update);
        }
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
