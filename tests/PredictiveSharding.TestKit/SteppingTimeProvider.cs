namespace PredictiveSharding.TestKit;

/// <summary>
/// A clock that moves forward by a fixed step each time it is read, and never otherwise: a planner's or forecaster's
/// time limit can be made to end a search after a known number of reads, without sleeping and on any machine. A zero
/// step gives a clock that never moves, so no time limit is ever reached.
/// </summary>
/// <param name="step">How far each read of <see cref="GetTimestamp"/> moves the clock; must not be negative.</param>
public sealed class SteppingTimeProvider(TimeSpan step) : TimeProvider
{
    private readonly long _step = step >= TimeSpan.Zero ? step.Ticks : throw new ArgumentOutOfRangeException(nameof(step), step, "The step must not be negative.");
    private long _ticks;

    /// <inheritdoc />
    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    /// <inheritdoc />
    public override long GetTimestamp() => Interlocked.Add(ref _ticks, _step);
}
