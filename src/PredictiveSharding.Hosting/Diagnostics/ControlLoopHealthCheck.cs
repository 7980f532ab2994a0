using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using PredictiveSharding.Hosting.ControlLoop;

namespace PredictiveSharding.Hosting.Diagnostics;

/// <summary>
/// Healthy while cycles succeed; degraded after one failed cycle; unhealthy after three failures in a row or when no
/// cycle has succeeded for three intervals. Register with <c>services.AddHealthChecks().AddCheck&lt;ControlLoopHealthCheck&gt;("predictive-sharding")</c>.
/// </summary>
public sealed class ControlLoopHealthCheck : IHealthCheck
{
    private readonly ShardingControlLoop _loop;
    private readonly ControlLoopOptions _options;
    private readonly TimeProvider _time;

    /// <summary>Creates the check.</summary>
    public ControlLoopHealthCheck(ShardingControlLoop loop, IOptions<ControlLoopOptions> options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(loop);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        _loop = loop;
        _options = options.Value;
        _time = time;
    }

    /// <inheritdoc />
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var status = _loop.Status;
        // Before the first success, from when the loop was made, not from when this check was (on the first probe).
        var since = status.LastSuccess ?? _loop.CreatedAt;
        var stale = _time.GetUtcNow() - since > 3 * _options.Interval;
        var data = new Dictionary<string, object>
        {
            ["consecutiveFailures"] = status.ConsecutiveFailures,
            ["lastSuccess"] = status.LastSuccess?.ToString("O", System.Globalization.CultureInfo.InvariantCulture) ?? "never",
        };
        HealthCheckResult result = status.ConsecutiveFailures >= 3 || stale
            ? HealthCheckResult.Unhealthy($"The control loop has not completed a cycle since {since:O} ({status.ConsecutiveFailures} failures in a row).", status.LastError, data)
            : status.ConsecutiveFailures > 0
                ? HealthCheckResult.Degraded("The last control cycle failed; the next interval retries it.", status.LastError, data)
                : HealthCheckResult.Healthy("Control cycles are completing.", data);
        return Task.FromResult(result);
    }
}
