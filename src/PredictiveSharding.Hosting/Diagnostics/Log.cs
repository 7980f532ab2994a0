using Microsoft.Extensions.Logging;

namespace PredictiveSharding.Hosting.Diagnostics;

/// <summary>The loop's log messages, source-generated so logging allocates nothing when the level is off.</summary>
internal static partial class Log
{
    [LoggerMessage(1001, LogLevel.Debug, "Control cycle observing: {Buckets} of {Needed} buckets of history before the first forecast.")]
    public static partial void Warming(ILogger logger, int buckets, int needed);

    [LoggerMessage(1002, LogLevel.Information, "Forecaster {Forecaster} trained on {Series} series.")]
    public static partial void Trained(ILogger logger, string forecaster, int series);

    [LoggerMessage(1003, LogLevel.Information, "Plan: {Actions} actions ({Splits} splits, {Moves} moves, {Bytes} bytes), predicted peak utilisation {Before:F3} -> {After:F3}, feasible {Feasible}, planned in {Millis:F0} ms.")]
    public static partial void Planned(ILogger logger, int actions, int splits, int moves, long bytes, double before, double after, bool feasible, double millis);

    // The planner's bytes are estimates from partition sizes; the executor's are what the mover copied. Both in one line so
    // an operator can see how far the estimates are off without joining two log records.
    [LoggerMessage(1004, LogLevel.Information, "Executed plan: {Completed} actions completed, {RolledBack} rolled back, {Bytes} bytes moved ({PlannedBytes} planned).")]
    public static partial void Executed(ILogger logger, int completed, int rolledBack, long bytes, long plannedBytes);

    // Not only rollbacks: an executor's errors also name skipped actions and moves whose clean-up the next recovery
    // finishes, and each message says how its action ended.
    [LoggerMessage(1005, LogLevel.Warning, "Action did not complete: {Error}")]
    public static partial void NotCompleted(ILogger logger, string error);

    [LoggerMessage(1006, LogLevel.Error, "Control cycle failed; it will run again at the next interval.")]
    public static partial void CycleFailed(ILogger logger, Exception exception);

    [LoggerMessage(1007, LogLevel.Warning, "Plan is infeasible: predicted load exceeds what the thresholds allow by {Shortfall:P1}; executing the best placement found.")]
    public static partial void Infeasible(ILogger logger, double shortfall);

    [LoggerMessage(1009, LogLevel.Warning, "Plan is infeasible: predicted load exceeds what the thresholds allow by {Shortfall:P1}; not executed (the loop only plans, or the plan has no actions).")]
    public static partial void InfeasibleNotExecuted(ILogger logger, double shortfall);

    // The plan's warnings say why it leaves a predicted breach in place (cooldowns, the move cap, the search's time
    // budget, a key hotter than a node); without them a plan of no actions at a predicted peak above 1 reads as a fault.
    // One record per cycle, not one per warning: a cycle a second with a warning per node would flood the log.
    [LoggerMessage(1010, LogLevel.Information, "Plan notes ({Count}): {Notes}")]
    public static partial void PlanNotes(ILogger logger, int count, string notes);

    // Either can be meant, so the host starts; by mistake, a loop faster than its buckets plans again on the same history
    // (no bucket closed since the last cycle), and a slower one plans on several buckets at once, a whole interval late.
    [LoggerMessage(1011, LogLevel.Warning, "ControlLoopOptions.Interval ({Interval}) is not LoadRecorderOptions.BucketLength ({BucketLength}): a cycle runs every {Interval} on buckets {BucketLength} long, so {Consequence}. Set them equal unless this is meant; RetrainEveryCycles and the health check's window count cycles, the horizon and warm-up count buckets.")]
    public static partial void IntervalIsNotBucketLength(ILogger logger, TimeSpan interval, TimeSpan bucketLength, string consequence);

    [LoggerMessage(1012, LogLevel.Information, "Control loop started: a cycle every {Interval}.")]
    public static partial void Started(ILogger logger, TimeSpan interval);

    [LoggerMessage(1008, LogLevel.Information, "Control loop stopped.")]
    public static partial void Stopped(ILogger logger);

    // The host's shutdown timeout ended the wait: the cycle is cancelled but still running (a move rolling back), and
    // "stopped" would tell an operator that nothing of the loop runs any more.
    [LoggerMessage(1013, LogLevel.Warning, "Control loop stop timed out: the running cycle is cancelled but has not ended yet; it ends on its own.")]
    public static partial void StopTimedOut(ILogger logger);
}
