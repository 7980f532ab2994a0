using Microsoft.Extensions.Time.Testing;

namespace PredictiveSharding.Core.Tests.Telemetry;

/// <summary>
/// A clock whose wall time and timestamp can be moved apart, as an NTP step, a suspend (the monotonic clock stops while
/// the wall clock runs on) or a broken host clock (a timestamp that goes backwards) does. Time passes, and timers fire,
/// on the <see cref="FakeTimeProvider"/> inside; the offsets only change what the two clocks read.
/// </summary>
internal sealed class SkewedTimeProvider(FakeTimeProvider inner, long timestampDivisor = 1) : TimeProvider
{
    /// <summary>Added to the wall clock (<see cref="GetUtcNow"/>).</summary>
    public TimeSpan WallOffset { get; set; }

    /// <summary>Added to the timestamp (<see cref="GetTimestamp"/>); negative to make it go backwards.</summary>
    public TimeSpan TimestampOffset { get; set; }

    public FakeTimeProvider Inner => inner;

    public override long TimestampFrequency => inner.TimestampFrequency / timestampDivisor;

    public override DateTimeOffset GetUtcNow() => inner.GetUtcNow() + WallOffset;

    public override long GetTimestamp() => (inner.GetTimestamp() + TimestampOffset.Ticks * (inner.TimestampFrequency / TimeSpan.TicksPerSecond)) / timestampDivisor;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) => inner.CreateTimer(callback, state, dueTime, period);
}
