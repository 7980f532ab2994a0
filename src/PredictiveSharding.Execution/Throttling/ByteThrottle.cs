using System.Threading.RateLimiting;

namespace PredictiveSharding.Execution.Throttling;

/// <summary>
/// Limits the bytes all moves copy per second with a token bucket (one token a byte) refilled every 100 ms from the
/// executor's <see cref="TimeProvider"/>, so tests drive it with a fake clock.
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

        // The bucket holds one second of bandwidth so a move that paused does not lose its share, but no more, so bursts stay short.
        _tokenLimit = (int)Math.Clamp(rate, perPeriod, int.MaxValue);
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
