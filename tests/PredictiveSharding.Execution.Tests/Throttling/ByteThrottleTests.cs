using Microsoft.Extensions.Time.Testing;
using PredictiveSharding.Execution.Throttling;

namespace PredictiveSharding.Execution.Tests.Throttling;

/// <summary>The copy throttle's rate on the executor's clock (virtual time only).</summary>
public sealed class ByteThrottleTests
{
    private static readonly TimeSpan Step = TimeSpan.FromMilliseconds(10);

    /// <summary>
    /// Advances the clock in 10 ms steps until <paramref name="acquire"/> completes; returns the virtual time it took.
    /// Each step waits (on the wall clock, never measured) until the acquire is done or has its next request queued, as a
    /// copy that always waits for bytes would.
    /// </summary>
    private static async Task<TimeSpan> VirtualTimeToAsync(FakeTimeProvider time, ByteThrottle throttle, ValueTask acquire)
    {
        var task = acquire.AsTask();
        var advanced = TimeSpan.Zero;
        while (advanced < TimeSpan.FromMinutes(1))
        {
            using (var settle = new CancellationTokenSource(TimeSpan.FromSeconds(10)))
            {
                while (!task.IsCompleted && throttle.Waiting == 0 && !settle.IsCancellationRequested)
                {
                    await Task.WhenAny(task, Task.Delay(1));
                }
            }

            if (task.IsCompleted)
            {
                break;
            }

            time.Advance(Step);
            advanced += Step;
        }

        // Bounded on the wall clock only so that a broken throttle fails instead of hanging; nothing is measured by it.
        await task.WaitAsync(TimeSpan.FromSeconds(30));
        return advanced;
    }

    // Under 10 B/s it used to refill at least one byte every 100 ms whatever the rate (10 bytes a second), and by the wall
    // clock. At 3 B/s a third of a byte every 100 ms refill is carried over exactly: the ninth byte is due at 3 s. Above
    // 10 B/s the burst is the refill's whole bytes (1 at 19 B/s), so a refill of 1.9 bytes left more than the burst after
    // its grant; capping that at the burst lost the fraction before the copy's next request took it: 19 B/s ran at 15.
    [TestCase(1L, 3L, 3000)]
    [TestCase(2L, 4L, 2000)]
    [TestCase(3L, 9L, 3000)]
    [TestCase(4L, 6L, 1500)]
    [TestCase(5L, 10L, 2000)]
    [TestCase(7L, 14L, 2000)]
    [TestCase(13L, 13L, 1000)]
    [TestCase(19L, 19L, 1000)]
    [TestCase(29L, 58L, 2000)]
    public async Task AcquireAsync_AtLowRates_TakesTheConfiguredRateOnTheClock(long rate, long bytes, int expectedMilliseconds)
    {
        var time = new FakeTimeProvider();
        using var throttle = new ByteThrottle(rate, time);
        await throttle.AcquireAsync(Math.Max(1, rate / 10), CancellationToken.None); // the burst the bucket starts with

        var took = await VirtualTimeToAsync(time, throttle, throttle.AcquireAsync(bytes, CancellationToken.None));

        Assert.That(took, Is.EqualTo(TimeSpan.FromMilliseconds(expectedMilliseconds)), $"{bytes} bytes at {rate} B/s");
    }

    [Test]
    public async Task AcquireAsync_AtANormalRate_PacesBytesByTheClockNotTheWallClock()
    {
        var time = new FakeTimeProvider();
        using var throttle = new ByteThrottle(4096, time);
        await throttle.AcquireAsync(409, CancellationToken.None); // the burst: one 100 ms refill

        var took = await VirtualTimeToAsync(time, throttle, throttle.AcquireAsync(4096, CancellationToken.None));

        Assert.That(took, Is.EqualTo(TimeSpan.FromSeconds(1)));
    }

    [Test]
    public async Task AcquireAsync_WhenTheWaiterAheadIsCancelled_ServesTheNextAndThrowsForTheCancelledOne()
    {
        var time = new FakeTimeProvider();
        using var throttle = new ByteThrottle(10, time);
        await throttle.AcquireAsync(1, CancellationToken.None);
        using var cancel = new CancellationTokenSource();
        var first = throttle.AcquireAsync(1, cancel.Token).AsTask();
        var second = throttle.AcquireAsync(1, CancellationToken.None);

        await cancel.CancelAsync();

        Assert.That(async () => await first, Throws.InstanceOf<OperationCanceledException>());
        Assert.That(await VirtualTimeToAsync(time, throttle, second), Is.EqualTo(TimeSpan.FromMilliseconds(100)));
    }

    [Test]
    public void AcquireAsync_WhenDisposedWhileWaiting_ThrowsObjectDisposed()
    {
        var time = new FakeTimeProvider();
        var throttle = new ByteThrottle(10, time);
        var waiting = throttle.AcquireAsync(2, CancellationToken.None).AsTask();

        throttle.Dispose();

        Assert.That(async () => await waiting, Throws.InstanceOf<ObjectDisposedException>());
        Assert.That(async () => await throttle.AcquireAsync(1, CancellationToken.None), Throws.InstanceOf<ObjectDisposedException>());
    }
}
