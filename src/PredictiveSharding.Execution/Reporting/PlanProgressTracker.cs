using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using PredictiveSharding.Execution.Diagnostics;
using PredictiveSharding.Execution.Moves;

namespace PredictiveSharding.Execution.Reporting;

/// <summary>
/// Turns the steps of a plan's actions into <see cref="ExecutionProgress"/> for the caller's IProgress and the executor's
/// event, one report at a time: moves that run at once report from their own threads, and a watcher must see the
/// finished count and the bytes in the order they were counted (a consumer that waits inside Report for another
/// report of the same plan therefore waits for nothing; <see cref="Progress{T}"/> posts and never waits).
/// </summary>
/// <remarks>
/// A consumer that throws (the IProgress, or the raise callback, which is to catch each event handler's own exception)
/// is logged and the report goes on: the report is made from inside a move's step, and the exception used to roll the
/// move back, or stop it and fail the whole plan.
/// </remarks>
internal sealed class PlanProgressTracker(string planId, int total, long bytesExpected, TimeProvider time, IProgress<ExecutionProgress>? progress, Action<ExecutionProgress> raise, ILogger? logger = null)
{
    private readonly Dictionary<string, long> _bytesByAction = new(StringComparer.Ordinal);

    /// <summary>Actions that have ended, by id: guarded by the lock on <see cref="_bytesByAction"/>.</summary>
    private readonly HashSet<string> _finished = new(StringComparer.Ordinal);

    /// <summary>
    /// Held while a report is counted and handed out, so two moves' reports reach the consumer in the order they were
    /// counted. A separate lock from the counts' so that <see cref="ActionFinished"/> never waits for user code.
    /// </summary>
    private readonly Lock _delivery = new();

    /// <summary>Counts an action as ended without a report (it failed with an exception); counting one twice does nothing.</summary>
    public void ActionFinished(string actionId)
    {
        lock (_bytesByAction)
        {
            _finished.Add(actionId);
        }
    }

    /// <summary>
    /// Counts an action that returned <paramref name="ended"/> as ended and, unless the report of its final state counted
    /// it already (Completed, RolledBack), reports it once more in the state it ended in. A skipped action reports nothing
    /// else, and one left pending (a clean-up or undo that failed) last reported the state it stopped in: counted only
    /// silently, they left the plan's last report short of <see cref="ExecutionProgress.ActionsTotal"/>, and a watcher
    /// never saw the plan end.
    /// </summary>
    /// <param name="ended">The action's report.</param>
    /// <param name="bytesExpected">The bytes the plan expects the action to move (0 for a split, a merge, or unknown).</param>
    public void ActionEnded(ActionReport ended, long bytesExpected)
    {
        lock (_bytesByAction)
        {
            if (_finished.Contains(ended.ActionId))
            {
                return;
            }
        }

        // Only this action's own task reports it, so no report can count it between the check and this one.
        Report(
            new MoveProgress
            {
                ActionId = ended.ActionId,
                Kind = ended.Kind,
                Partition = ended.Partition,
                From = ended.From,
                To = ended.To,
                State = ended.FinalState,
                BytesCopied = ended.BytesCopied,
                KeysCopied = ended.KeysCopied,
                BytesExpected = bytesExpected,
            },
            ends: true);
    }

    /// <summary>Reports an action's step; the report of a final state (Completed, RolledBack) counts it as ended.</summary>
    public void Report(MoveProgress action) => Report(action, ends: action.State is MoveState.Completed or MoveState.RolledBack);

    private void Report(MoveProgress action, bool ends)
    {
        lock (_delivery)
        {
            long copied;
            int finished;
            lock (_bytesByAction)
            {
                _bytesByAction[action.ActionId] = action.BytesCopied;
                copied = _bytesByAction.Values.Sum();

                // The report of an action's end counts it as ended already: the executor marks it finished only after
                // this report, and no later report may come (the plan's last action), so a watcher would otherwise never
                // see every action finished.
                if (ends)
                {
                    _finished.Add(action.ActionId);
                }

                finished = _finished.Count;
            }

            var update = new ExecutionProgress(planId, action, total, finished, copied, bytesExpected);
            if (progress is not null)
            {
                try
                {
                    progress.Report(update);
                }
                catch (Exception ex)
                {
                    ExecutorLog.ProgressConsumerFailed(logger ?? NullLogger.Instance, planId, action.ActionId, action.State, ex);
                }
            }

            raise(update);
        }
    }

    /// <summary>Runs one progress consumer (an event handler), logging what it throws instead of letting it reach the move.</summary>
    public static void Deliver(ILogger logger, ExecutionProgress update, Action<ExecutionProgress> consumer)
    {
        try
        {
            consumer(update);
        }
        catch (Exception ex)
        {
            ExecutorLog.ProgressConsumerFailed(logger, update.PlanId, update.Action.ActionId, update.Action.State, ex);
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
