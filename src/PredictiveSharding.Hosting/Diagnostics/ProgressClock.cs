using PredictiveSharding.Executing;
using PredictiveSharding.Forecasting;

namespace PredictiveSharding.Hosting.Diagnostics;

/// <summary>
/// When work last advanced (a cycle's stage started, a training epoch ended, a move copied a chunk or changed state), for
/// <see cref="ControlLoopHealthCheck"/> to tell a long cycle that is still working from one that is stuck. Thread-safe.
/// </summary>
internal sealed class ProgressClock(TimeProvider time) : IProgress<PlanExecutionProgress>, IProgress<ForecasterProgress>
{
    private long _lastUtcTicks = -1;
    private long _lastTimestamp = long.MinValue;

    /// <summary>When progress was last marked, or null when never (the wall clock, for display).</summary>
    public DateTimeOffset? Last => Interlocked.Read(ref _lastUtcTicks) is var ticks and >= 0 ? new DateTimeOffset(ticks, TimeSpan.Zero) : null;

    /// <summary>
    /// The <see cref="TimeProvider.GetTimestamp"/> at which progress was last marked, or null when never: how long ago is
    /// measured on it, since the wall clock can step.
    /// </summary>
    public long? LastTimestamp => Interlocked.Read(ref _lastTimestamp) is var timestamp && timestamp != long.MinValue ? timestamp : null;

    /// <summary>Marks progress now.</summary>
    public void Mark()
    {
        Interlocked.Exchange(ref _lastTimestamp, time.GetTimestamp());
        Interlocked.Exchange(ref _lastUtcTicks, time.GetUtcNow().UtcTicks);
    }

    /// <inheritdoc />
    public void Report(PlanExecutionProgress value) => Mark();

    /// <inheritdoc />
    public void Report(ForecasterProgress value) => Mark();
}
