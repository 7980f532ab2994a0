using Microsoft.Extensions.Logging;
using PredictiveSharding.Execution.Diagnostics;
using PredictiveSharding.Execution.FaultInjection;

namespace PredictiveSharding.Execution.Resilience;

/// <summary>Retries a mover call that failed with a transient error, with exponential backoff on the executor's clock.</summary>
internal sealed class MoverRetry
{
    private readonly int _maxAttempts;
    private readonly TimeSpan _baseDelay;
    private readonly Func<Exception, bool> _isTransient;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    public MoverRetry(ExecutorOptions options, TimeProvider time, ILogger logger)
    {
        _maxAttempts = options.MaxRetryAttempts;
        _baseDelay = options.RetryBaseDelay;
        _isTransient = options.IsTransient;
        _time = time;
        _logger = logger;
    }

    public ValueTask<T> RunAsync<T>(string operation, Func<CancellationToken, ValueTask<T>> call, CancellationToken cancellationToken) =>
        RunAsync(operation, call, progressed: null, cancellationToken);

    /// <summary>
    /// Runs <paramref name="call"/>, retrying it on a transient error up to the configured number of times in a row. When
    /// <paramref name="progressed"/> (asked once per failure) says the failed attempt got further than the one before, the
    /// budget starts afresh: an operation retried as a whole (a copy reopened at its last checkpoint) can run for hours,
    /// and a budget for all its failures together would give it up after a few isolated ones, each of which cost only the
    /// work since the last checkpoint. Failures without progress in between still give up after the configured number.
    /// </summary>
    public async ValueTask<T> RunAsync<T>(string operation, Func<CancellationToken, ValueTask<T>> call, Func<bool>? progressed, CancellationToken cancellationToken)
    {
        var retries = 0;
        while (true)
        {
            try
            {
                return await call(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (IsRetryable(ex, cancellationToken))
            {
                if (progressed?.Invoke() == true)
                {
                    retries = 0;
                }

                if (retries >= _maxAttempts)
                {
                    throw;
                }

                var delay = Backoff(_baseDelay, retries);
                retries++;
                ExecutorLog.RetryingMoverCall(_logger, operation, retries, _maxAttempts, delay, ex);
                if (delay > TimeSpan.Zero)
                {
                    await Task.Delay(delay, _time, cancellationToken).ConfigureAwait(false);
                }
            }
        }
    }

    public ValueTask RunAsync(string operation, Func<CancellationToken, ValueTask> call, CancellationToken cancellationToken) =>
        RunAsync(operation, call, progressed: null, cancellationToken);

    /// <inheritdoc cref="RunAsync{T}(string, Func{CancellationToken, ValueTask{T}}, Func{bool}?, CancellationToken)"/>
    public async ValueTask RunAsync(string operation, Func<CancellationToken, ValueTask> call, Func<bool>? progressed, CancellationToken cancellationToken) =>
        await RunAsync<bool>(
            operation,
            async ct =>
            {
                await call(ct).ConfigureAwait(false);
                return true;
            },
            progressed,
            cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// <paramref name="baseDelay"/> doubled <paramref name="attempt"/> times, capped at the longest a timer waits: up to 100
    /// retries are allowed, and uncapped the delay would outgrow the timer (and then <see cref="TimeSpan"/>) and the retry
    /// would fail with an error about its own delay instead of waiting.
    /// </summary>
    internal static TimeSpan Backoff(TimeSpan baseDelay, int attempt)
    {
        var ticks = baseDelay.Ticks * Math.Pow(2, attempt);
        return ticks >= ExecutorDefaults.MaxTimerDelay.Ticks ? ExecutorDefaults.MaxTimerDelay : TimeSpan.FromTicks((long)ticks);
    }

    private bool IsRetryable(Exception ex, CancellationToken cancellationToken) =>
        ex is not SimulatedCrashException and not OperationCanceledException
        && !cancellationToken.IsCancellationRequested
        && _isTransient(ex);
}
