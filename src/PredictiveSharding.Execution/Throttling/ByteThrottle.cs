namespace PredictiveSharding.Execution.Throttling;

/// <summary>
/// Limits the bytes all moves copy per second with a token bucket (one token a byte) refilled every 100 ms from the
/// executor's <see cref="TimeProvider"/>, so tests drive it with a fake clock. The burst is one refill, so the copy is
/// paced evenly instead of running in bursts. A refill adds the rate times the time elapsed on that clock, fractions of
/// a byte included, so any rate is kept exactly on average (a rate under 10 B/s, whose refill is less than a byte, hands
/// out its next byte at the first refill after it is due); waiters are served first come, first served.
/// </summary>
/// <remarks>
/// It used to be a <c>System.Threading.RateLimiting.TokenBucketRateLimiter</c> replenished by hand from a timer
/// on this clock. Replenished by hand, that limiter adds its rate times the wall-clock time since its last refill (read
/// from a <see cref="System.Diagnostics.Stopwatch"/>, not from this clock), so under a fake clock the pace depended on
/// how fast the test ran; and its rate was a whole number of bytes per 100 ms, so a rate under 10 B/s ran at 10 B/s.
/// </remarks>
internal sealed class ByteThrottle : IDisposable
{
    private static readonly TimeSpan Period = TimeSpan.FromMilliseconds(100);

    private readonly object _lock = new();
    private readonly LinkedList<Waiter> _waiters = new();
    private readonly TimeProvider _time;
    private readonly ITimer? _timer;
    private readonly long _rate;
    private readonly int _tokenLimit;
    // In byte-ticks (bytes times TimeSpan.TicksPerSecond), so a fraction of a byte is counted exactly.
    private Int128 _credit;
    private readonly Int128 _creditLimit;
    private long _lastRefill;
    private bool _disposed;

    public ByteThrottle(long? bytesPerSecond, TimeProvider time)
    {
        _time = time;
        if (bytesPerSecond is not { } rate)
        {
            return;
        }

        // The bucket holds one period (100 ms) of bandwidth, no more. It used to hold a whole second, which let a move that
        // followed a pause (the previous move's verification and cut-over) copy a second's worth of bytes at full speed:
        // a 21 MB move at 32 MiB/s ran its copy almost unthrottled, and the foreground p99 on the node showed it.
        _rate = rate;
        _tokenLimit = (int)Math.Clamp(rate / 10, 1, int.MaxValue);
        _creditLimit = Bytes(_tokenLimit);
        _credit = _creditLimit;
        _lastRefill = time.GetTimestamp();
        _timer = time.CreateTimer(static state => ((ByteThrottle)state!).Refill(), this, Period, Period);
    }

    public bool IsUnlimited => _timer is null;

    /// <summary>Requests waiting for bytes (for tests that step a fake clock only once a request waits).</summary>
    internal int Waiting
    {
        get
        {
            lock (_lock)
            {
                return _waiters.Count;
            }
        }
    }

    /// <summary>Waits until <paramref name="bytes"/> may be copied.</summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled while waiting; the bytes already granted are spent.</exception>
    /// <exception cref="ObjectDisposedException">The throttle was disposed (before or during the wait).</exception>
    public async ValueTask AcquireAsync(long bytes, CancellationToken cancellationToken)
    {
        if (_timer is null)
        {
            return;
        }

        while (bytes > 0)
        {
            var permits = (int)Math.Min(bytes, _tokenLimit);
            await AcquireCoreAsync(permits, cancellationToken).ConfigureAwait(false);
            bytes -= permits;
        }
    }

    private Task AcquireCoreAsync(int permits, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        Waiter waiter;
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_waiters.Count == 0 && _credit >= Bytes(permits))
            {
                _credit -= Bytes(permits);
                return Task.CompletedTask;
            }

            waiter = new Waiter(this, permits);
            waiter.Node = _waiters.AddLast(waiter);

            // Under the lock, so a grant always sees the registration to undo. A token cancelled by now runs Cancel here
            // (the lock is re-entrant). Grants only unregister (never wait for a running callback, which waits for the lock).
            waiter.Registration = cancellationToken.UnsafeRegister(static (state, token) => ((Waiter)state!).Owner.Cancel((Waiter)state!, token), waiter);
        }

        return waiter.Task;
    }

    private void Cancel(Waiter waiter, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (waiter.Node?.List is null)
            {
                return; // granted (or failed by the disposal) already
            }

            _waiters.Remove(waiter.Node);

            // The next waiter may have been held back only by this one (first come, first served).
            Grant();
        }

        waiter.TrySetCanceled(cancellationToken);
    }

    /// <summary>Adds the rate times the time elapsed on the clock since the last refill, serves the waiters it can, and caps what is left at the burst.</summary>
    private void Refill()
    {
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            var now = _time.GetTimestamp();
            var elapsed = _time.GetElapsedTime(_lastRefill, now);
            _lastRefill = now;
            // The waiting request is served before the bucket is capped at its burst, so the fraction of a byte left over
            // after it is kept for the next (capping first lost it: 3 B/s ran at 2.5). A late timer still releases no more
            // than two refills at once. The caps drop whole bytes only: a refill can hold more than the burst (1.9 bytes at
            // 19 B/s, whose burst is 1), and dropping the fraction too ran 19 B/s at 15. A fraction lets no byte out sooner.
            _credit = Cap(_credit + ((Int128)_rate * elapsed.Ticks), 2 * _creditLimit);
            Grant();
            _credit = Cap(_credit, _creditLimit);
        }
    }

    /// <summary>Caps <paramref name="credit"/> at <paramref name="limit"/> whole bytes, keeping its fraction of a byte.</summary>
    private static Int128 Cap(Int128 credit, Int128 limit) =>
        credit <= limit ? credit : limit + (credit % Bytes(1));

    /// <summary>Under the lock: serves waiters in order while the bucket holds enough for the first.</summary>
    private void Grant()
    {
        while (_waiters.First is { } first && _credit >= Bytes(first.Value.Permits))
        {
            _credit -= Bytes(first.Value.Permits);
            _waiters.RemoveFirst();
            first.Value.Registration.Unregister();
            first.Value.TrySetResult();
        }
    }

    private static Int128 Bytes(int bytes) => (Int128)bytes * TimeSpan.TicksPerSecond;

    public void Dispose()
    {
        Waiter[] waiting;
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            waiting = [.. _waiters];
            _waiters.Clear();
        }

        _timer?.Dispose();
        foreach (var waiter in waiting)
        {
            waiter.Registration.Unregister();
            waiter.TrySetException(new ObjectDisposedException(nameof(ByteThrottle), "The copy throttle was disposed while a move waited on it."));
        }
    }

    /// <summary>A queued request; completes (asynchronously for its awaiter) when its bytes are granted.</summary>
    private sealed class Waiter(ByteThrottle owner, int permits) : TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)
    {
        public ByteThrottle Owner { get; } = owner;

        public int Permits { get; } = permits;

        public LinkedListNode<Waiter>? Node { get; set; }

        public CancellationTokenRegistration Registration { get; set; }
    }
}
