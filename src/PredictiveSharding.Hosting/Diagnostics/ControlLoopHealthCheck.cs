using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using PredictiveSharding.Hosting.ControlLoop;

namespace PredictiveSharding.Hosting.Diagnostics;

/// <summary>
/// Healthy while cycles succeed; degraded after one failed cycle, or while a cycle runs longer than three intervals but
/// is still making progress (a stage started, a training epoch ended or the executor reported a move's progress within
/// the last three intervals, or 15 s when that is longer: a long move); unhealthy after three failures in a row, or when
/// no cycle has succeeded for three intervals and none is making progress (no cycle running, or the running one made no
/// progress for three intervals and at least 15 s); degraded too while cycles succeed but in the last three executed plans
/// none of the actions took effect (<see cref="ControlLoopStatus.ConsecutiveFailedPlans"/>: an executor that refuses or
/// rolls back everything, which restarting the process would not mend, so never unhealthy for it). The
/// default <see cref="Execution.JournalledPlanExecutor"/> reports every chunk copied and state changed; a host executor
/// of its own reports through
/// <see cref="Executing.IPlanExecutor.ExecuteAsync(Planning.ShardingPlan, IProgress{Executing.PlanExecutionProgress}, CancellationToken)"/>,
/// and one that does not implement that overload counts as stalled once a cycle spends three intervals in it. Register with
/// <c>services.AddHealthChecks().AddCheck&lt;ControlLoopHealthCheck&gt;("predictive-sharding")</c>.
/// </summary>
public sealed class ControlLoopHealthCheck : IHealthCheck
{
    /// <summary>
    /// The shortest gap between progress reports that counts as a stall, whatever the interval: three times the slowest
    /// report of the journalled executor (every 5 s while a move waits out its clean-up grace period). With intervals
    /// under 5 s, three intervals without a report would read that wait as a stall.
    /// </summary>
    private static readonly TimeSpan MinProgressWindow = TimeSpan.FromSeconds(15);

    /// <summary>Executed plans in a row in which nothing took effect before the check reads degraded: one is a transient failure the next cycle retries.</summary>
    private const int FailedPlansForDegraded = 3;

    private readonly ShardingControlLoop _loop;
    private readonly TimeSpan _interval;

    /// <summary>
    /// Creates the check. Elapsed time is measured on <paramref name="loop"/>'s own clock, on which its timestamps are taken;
    /// the window is three of <paramref name="options"/>' <see cref="ControlLoopOptions.Interval"/> as it is now (a later
    /// change does not affect the check, as it does not affect the loop).
    /// </summary>
    [ActivatorUtilitiesConstructor]
    public ControlLoopHealthCheck(ShardingControlLoop loop, IOptions<ControlLoopOptions> options)
    {
        ArgumentNullException.ThrowIfNull(loop);
        ArgumentNullException.ThrowIfNull(options);
        _loop = loop;
        _interval = options.Value.Interval;
    }

    /// <summary>Creates the check; <paramref name="time"/> is not used (elapsed time is measured on <paramref name="loop"/>'s own clock).</summary>
    /// <remarks>
    /// Kept so that hosts calling it still build. The check measures time on the clock the loop's timestamps were taken
    /// on; a <paramref name="time"/> other than that clock was silently ignored, and reading it instead would compare
    /// timestamps of two clocks.
    /// </remarks>
    [Obsolete("The health check measures time on the loop's own clock; the time parameter is ignored. Use ControlLoopHealthCheck(loop, options).")]
    public ControlLoopHealthCheck(ShardingControlLoop loop, IOptions<ControlLoopOptions> options, TimeProvider time)
        : this(loop, options)
    {
        ArgumentNullException.ThrowIfNull(time);
    }

    /// <inheritdoc />
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var status = _loop.Status;
        var window = 3 * _interval;
        // Before the first success, from when the loop was made, not from when this check was (on the first probe). Time is
        // measured on the loop's monotonic timestamp: on the wall clock an NTP step ahead made a loop that had just
        // completed a cycle unhealthy, and a step back hid one that had stopped. The wall-clock times are for display.
        var since = status.LastSuccess ?? _loop.CreatedAt;
        var clock = _loop.Time;
        var stale = clock.GetElapsedTime(_loop.LastSuccessTimestamp) > window;
        var runningSince = _loop.RunningSince;
        var lastProgress = _loop.LastProgress;
        var sinceProgress = _loop.LastProgressTimestamp is { } progressAt ? clock.GetElapsedTime(progressAt) : (TimeSpan?)null;
        var data = new Dictionary<string, object>
        {
            ["consecutiveFailures"] = status.ConsecutiveFailures,
            ["consecutiveFailedPlans"] = status.ConsecutiveFailedPlans,
            ["lastSuccess"] = status.LastSuccess?.ToString("O", System.Globalization.CultureInfo.InvariantCulture) ?? "never",
            ["cycleRunningSince"] = runningSince?.ToString("O", System.Globalization.CultureInfo.InvariantCulture) ?? "none",
            ["lastProgress"] = lastProgress?.ToString("O", System.Globalization.CultureInfo.InvariantCulture) ?? "never",
        };

        // A cycle running longer than the window (a long move) is not a stuck loop while its work keeps advancing: a
        // liveness probe that restarted the process then would abort the move.
        var progressWindow = window > MinProgressWindow ? window : MinProgressWindow;
        var progressing = runningSince is not null && sinceProgress is { } quiet && quiet <= progressWindow;
        HealthCheckResult result = status.ConsecutiveFailures >= 3
            ? HealthCheckResult.Unhealthy($"The control loop has not completed a cycle since {since:O} ({status.ConsecutiveFailures} failures in a row).", status.LastError, data)
            : stale && progressing
                ? HealthCheckResult.Degraded($"A control cycle has been running since {runningSince:O}, no cycle has completed since {since:O}, but it is still making progress (last at {lastProgress:O}).", status.LastError, data)
                : stale
                    ? HealthCheckResult.Unhealthy($"The control loop has not completed a cycle since {since:O} ({status.ConsecutiveFailures} failures in a row){(runningSince is null ? string.Empty : $"; the cycle running since {runningSince:O} has made no progress since {lastProgress:O}")}.", status.LastError, data)
                    : status.ConsecutiveFailures > 0
                        ? HealthCheckResult.Degraded("The last control cycle failed; the next interval retries it.", status.LastError, data)
                        : status.ConsecutiveFailedPlans >= FailedPlansForDegraded
                            ? HealthCheckResult.Degraded($"Control cycles complete, but the last {status.ConsecutiveFailedPlans} executed plans completed none of their actions (first error of the last: {status.LastPlanError ?? "none reported"}).", null, data)
                            : HealthCheckResult.Healthy("Control cycles are completing.", data);
        return Task.FromResult(result);
    }
}
