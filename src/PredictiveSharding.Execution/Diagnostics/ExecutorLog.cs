using Microsoft.Extensions.Logging;

namespace PredictiveSharding.Execution.Diagnostics;

/// <summary>The executor's log messages (source-generated).</summary>
internal static partial class ExecutorLog
{
    [LoggerMessage(EventId = 2001, Level = LogLevel.Information, Message = "Plan {PlanId} starts: {Actions} action(s)")]
    public static partial void PlanStarted(ILogger logger, string planId, int actions);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Information, Message = "Plan {PlanId} finished in {Duration}: {Completed} completed, {RolledBack} rolled back, {Other} other")]
    public static partial void PlanFinished(ILogger logger, string planId, TimeSpan duration, int completed, int rolledBack, int other);

    [LoggerMessage(EventId = 2003, Level = LogLevel.Debug, Message = "Action {ActionId} ({Kind} of {Partition}) enters {State}")]
    public static partial void StateEntered(ILogger logger, string actionId, ActionKind kind, string partition, MoveState state);

    [LoggerMessage(EventId = 2004, Level = LogLevel.Warning, Message = "Action {ActionId} ({Kind} of {Partition}) rolls back from {State}")]
    public static partial void RollingBack(ILogger logger, string actionId, ActionKind kind, string partition, MoveState state, Exception cause);

    [LoggerMessage(EventId = 2005, Level = LogLevel.Information, Message = "Move {ActionId} of {Partition} from {From} to {To} published routing version {Version}; writes were fenced for {Fence}")]
    public static partial void Published(ILogger logger, string actionId, string partition, string from, string to, long version, TimeSpan fence);

    [LoggerMessage(EventId = 2006, Level = LogLevel.Warning, Message = "Retrying mover call '{Operation}' (attempt {Attempt} of {MaxAttempts}) in {Delay}")]
    public static partial void RetryingMoverCall(ILogger logger, string operation, int attempt, int maxAttempts, TimeSpan delay, Exception error);

    [LoggerMessage(EventId = 2007, Level = LogLevel.Warning, Message = "Cut-over of {ActionId} took longer than the fence timeout {Timeout}; fence released, attempt {Attempt}")]
    public static partial void CutOverTimedOut(ILogger logger, string actionId, TimeSpan timeout, int attempt);

    [LoggerMessage(EventId = 2008, Level = LogLevel.Error, Message = "Action {ActionId} is left in {State} (the next recovery finishes it)")]
    public static partial void LeftPending(ILogger logger, string actionId, MoveState state, Exception error);

    [LoggerMessage(EventId = 2012, Level = LogLevel.Information, Message = "Action {ActionId} stopped in {State} because the executor was cancelled (the next recovery finishes it)")]
    public static partial void StoppedPending(ILogger logger, string actionId, MoveState state);

    [LoggerMessage(EventId = 2009, Level = LogLevel.Warning, Message = "The move journal's tail was torn or corrupted and was cut off at byte {Offset} ({Bytes} bytes dropped): {Reason}")]
    public static partial void JournalRepaired(ILogger logger, long offset, long bytes, string reason);

    [LoggerMessage(EventId = 2010, Level = LogLevel.Information, Message = "Recovery: action {ActionId} was in {State}; routing says {Decision}")]
    public static partial void Recovering(ILogger logger, string actionId, MoveState state, string decision);

    [LoggerMessage(EventId = 2011, Level = LogLevel.Information, Message = "Action {ActionId} ({Kind} of {Partition}) ended {Outcome} in {Duration}")]
    public static partial void ActionFinished(ILogger logger, string actionId, ActionKind kind, string partition, ActionOutcome outcome, TimeSpan duration);

    [LoggerMessage(EventId = 2013, Level = LogLevel.Warning, Message = "Action {ActionId} published routing version {Version}, but a Changed subscriber threw; the action goes on (the change is in force)")]
    public static partial void SubscriberFailed(ILogger logger, string actionId, long version, Exception exception);

    [LoggerMessage(EventId = 2014, Level = LogLevel.Warning, Message = "Plan {PlanId} ended, but compacting the move journal after it failed; the plan's result stands, the journal keeps its records and the next plan tries again")]
    public static partial void JournalCompactionFailed(ILogger logger, string planId, Exception error);

    [LoggerMessage(EventId = 2015, Level = LogLevel.Warning, Message = "Recovery ended ({Actions} unfinished action(s) handled), but compacting the move journal after it failed; the recovery's result stands, the journal keeps its records and a later recovery or plan tries again")]
    public static partial void RecoveryJournalCompactionFailed(ILogger logger, int actions, Exception error);

    [LoggerMessage(EventId = 2016, Level = LogLevel.Warning, Message = "Move {ActionId} published, but lifting its write fence on {Node} failed; lifting it by fencing the range again")]
    public static partial void FenceReleaseFailed(ILogger logger, string actionId, string node, Exception error);

    [LoggerMessage(EventId = 2017, Level = LogLevel.Warning, Message = "A progress consumer of {PlanId} threw on the report of action {ActionId} ({State}); the action goes on")]
    public static partial void ProgressConsumerFailed(ILogger logger, string planId, string actionId, MoveState state, Exception error);

    [LoggerMessage(EventId = 2018, Level = LogLevel.Warning, Message = "Move {ActionId} stopped on an error ({Error}), and lifting its write fence on {Node} failed too; that error stands, and the next recovery lifts the fence")]
    public static partial void FenceReleaseFailedAfterError(ILogger logger, string actionId, string node, string error, Exception releaseError);

    [LoggerMessage(EventId = 2019, Level = LogLevel.Warning, Message = "Move {ActionId} of {Partition} from {From} to {To} was not started: routing changed before its prepare step, and nothing was deleted ({Reason})")]
    public static partial void MoveRefused(ILogger logger, string actionId, string partition, string from, string to, string reason);
}
