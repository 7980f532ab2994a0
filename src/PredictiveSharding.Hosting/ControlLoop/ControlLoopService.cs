using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using PredictiveSharding.Hosting.Diagnostics;

namespace PredictiveSharding.Hosting.ControlLoop;

/// <summary>Runs the control loop every <see cref="ControlLoopOptions.Interval"/> until the host stops; a failing cycle is logged, metered and retried at the next interval.</summary>
internal sealed class ControlLoopService : BackgroundService
{
    private readonly ShardingControlLoop _loop;
    private readonly ControlLoopOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<ControlLoopService> _logger;

    /// <summary>1 from a start until the stop that logs it: each start is logged as stopped once.</summary>
    private int _started;

    public ControlLoopService(ShardingControlLoop loop, TimeProvider time, ILogger<ControlLoopService> logger)
    {
        _loop = loop;

        // The loop's validated copy of the options, not the host's object (registered as IOptions), which the host may
        // still change: the interval of the timer and of the start's warning is the one the loop was made with.
        _options = loop.Options;
        _time = time;
        _logger = logger;
    }

    /// <summary>Warns (event 1011) when the interval is not the recorder's bucket length, logs the start (event 1012), then starts the loop.</summary>
    /// <remarks>In StartAsync, not ExecuteAsync: the host awaits it, whereas ExecuteAsync runs on the thread pool and not at all when the host stops first.</remarks>
    public override Task StartAsync(CancellationToken cancellationToken)
    {
        if (_options.Interval != _loop.BucketLength)
        {
            Log.IntervalIsNotBucketLength(
                _logger,
                _options.Interval,
                _loop.BucketLength,
                _options.Interval < _loop.BucketLength
                    ? "most cycles find no newly closed bucket and plan again on the same history"
                    : "each cycle harvests several buckets and plans on them up to an interval after the first closed");
        }

        Log.Started(_logger, _options.Interval);
        Interlocked.Exchange(ref _started, 1);
        return base.StartAsync(cancellationToken);
    }

    /// <summary>Stops the loop (cancelling a running cycle) and logs the stop (event 1008) once for each start; nothing for a service never started.</summary>
    /// <remarks>
    /// Logged here, not at the end of ExecuteAsync: that runs on the thread pool and, when the host stops before it began,
    /// not at all, so a loop whose start was logged was never logged as stopped. A stop whose token ends the wait before
    /// the running cycle does (the host's shutdown timeout) says so (event 1013) rather than that the loop has stopped.
    /// </remarks>
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        try
        {
            await base.StopAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            if (Interlocked.Exchange(ref _started, 0) == 1)
            {
                if (ExecuteTask is { IsCompleted: false })
                {
                    Log.StopTimedOut(_logger);
                }
                else
                {
                    Log.Stopped(_logger);
                }
            }
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(_options.Interval, _time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                try
                {
                    await _loop.RunCycleAsync(stoppingToken).ConfigureAwait(false);
                }
                catch (Exception e) when (e is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
                {
                    // Already logged and metered by the loop; the next tick tries again. An OperationCanceledException
                    // while the host is not stopping is a stage's own timeout, a failed cycle like any other: letting it
                    // out would end the loop for good (and, by default, stop the host).
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Normal shutdown, logged by StopAsync.
        }
    }
}
