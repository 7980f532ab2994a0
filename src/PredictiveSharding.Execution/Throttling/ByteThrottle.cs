using System.Threading.RateLimiting;

namespace PredictiveSharding.Execution.Throttling;

/// <summary>
/// Limits the bytes all moves copy per second with a token bucket (one token a byte) refilled every 100 ms from the
/// executor's <see cref="TimeProvider"/>, so tests drive it with a fake clock. The burst is one refill, so the copy is
/// paced evenly instead of running in bursts.
/// </summary>
internal sealed class ByteThrottle : IDisposable
{
    private static readonly TimeSpan Period = TimeSpan.FromMilliseconds(100);

    private readonly TokenBucketRateLimiter? _limiter;
    private readonly ITimer? _timer;
    private readonly int _tokenLimit;

    public ByteThrottle(long? bytesPerSecond, TimeProvider time)
    {
        if (bytesPerSecond is not { } rate)
        {
            return;
        }

        var perPeriod = (int)Math.Clamp(rate / 10, 1, int.MaxValue);

        // The bucket holds one period (100 ms) of bandwidth, no more. It used to hold a whole second, which let a move that
        // followed a pause (the previous move's verification and cut-over) copy a second's worth of bytes at full speed:
        // a 21 MB move at 32 MiB/s ran its copy almost unthrottled, and the foreground p99 on the node showed it.
        _tokenLimit = perPeriod;
        _limiter = new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions
        {
            TokenLimit = _tokenLimit,
            TokensPerPeriod = perPeriod,
            ReplenishmentPeriod = Period,
            AutoReplenishment = false,
            QueueLimit = int.MaxValue,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
        });
        _timer = time.CreateTimer(static state => ((TokenBucketRateLimiter)state!).TryReplenish(), _limiter, Period, Period);
    }

    public bool IsUnlimited => _limiter is null;

    /// <summary>Waits until <paramref name="bytes"/> may be copied.</summary>
    public async ValueTask AcquireAsync(long bytes, CancellationToken cancellationToken)
    {
        if (_limiter is null)
        {
            return;
        }

        while (bytes > 0)
        {
            var permits = (int)Math.Min(bytes, _tokenLimit);
            using var lease = await _limiter.AcquireAsync(permits, cancellationToken).ConfigureAwait(false);
            if (!lease.IsAcquired)
            {
                throw new InvalidOperationException("The copy throttle refused a lease; this is a bug in the executor's throttle settings.");
            }

            bytes -= permits;
        }
    }

    public void Dispose()
    {
        _timer?.Dispose();
        _limiter?.Dispose();
    }
}
