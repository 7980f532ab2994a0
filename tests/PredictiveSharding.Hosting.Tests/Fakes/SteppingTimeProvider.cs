using Microsoft.Extensions.Time.Testing;

namespace PredictiveSharding.Hosting.Tests.Fakes;

/// <summary>
/// A clock whose wall time can step ahead of its timestamp (an NTP step forward, a suspend) and whose timers can be held
/// back (a timer firing late, so a <see cref="Telemetry.LoadRecorder"/>'s request path still counts in a bucket a harvest
/// already closed). Time passes on the <see cref="FakeTimeProvider"/> inside.
/// </summary>
internal sealed class SteppingTimeProvider(FakeTimeProvider inner) : TimeProvider
{
    private readonly List<Action> _held = [];

    /// <summary>Added to the wall clock (<see cref="GetUtcNow"/>).</summary>
    public TimeSpan WallOffset { get; set; }

    /// <summary>While set, timer callbacks that come due wait for <see cref="ReleaseTimers"/>.</summary>
    public bool HoldTimers { get; set; }

    public FakeTimeProvider Inner => inner;

    public override long TimestampFrequency => inner.TimestampFrequency;

    public override DateTimeOffset GetUtcNow() => inner.GetUtcNow() + WallOffset;

    public override long GetTimestamp() => inner.GetTimestamp();

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
        inner.CreateTimer(
            s =>
            {
                if (HoldTimers)
                {
                    _held.Add(() => callback(s));
                }
                else
                {
                    callback(s);
                }
            },
            state,
            dueTime,
            period);

    /// <summary>Stops holding timers and runs the callbacks held, in order.</summary>
    public void ReleaseTimers()
    {
        HoldTimers = false;
        var held = _held.ToArray();
        _held.Clear();
        foreach (var callback in held)
        {
            callback();
        }
    }
}
