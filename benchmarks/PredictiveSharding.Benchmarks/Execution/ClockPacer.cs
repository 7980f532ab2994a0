using System.Diagnostics;

namespace PredictiveSharding.Benchmarks.Execution;

/// <summary>
/// Paces a benchmark client to a rate by the clock: the n-th operation is due n / rate seconds after the pacer started,
/// and <see cref="PaceAsync"/> pauses only when the client is a millisecond or more ahead of that. Why not a short pause
/// every few operations: a <see cref="Task.Delay(int)"/> lasts at least a timer tick (4 ms on this project's hosts), so
/// <c>Task.Delay(1)</c> every k operations runs at k operations per 4 ms instead of per millisecond; paced by the clock,
/// a pause that oversleeps is made up by the operations that follow it.
/// </summary>
internal sealed class ClockPacer
{
    private static readonly TimeSpan MinimumPause = TimeSpan.FromMilliseconds(1);
    private readonly double _operationsPerSecond;
    private readonly long _started = Stopwatch.GetTimestamp();
    private long _operations;

    /// <summary>Starts the clock.</summary>
    /// <param name="operationsPerSecond">The rate to keep; positive.</param>
    public ClockPacer(double operationsPerSecond)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(operationsPerSecond);
        _operationsPerSecond = operationsPerSecond;
    }

    /// <summary>Operations counted so far.</summary>
    public long Operations => _operations;

    /// <summary>The rate achieved since the pacer started, in operations per second.</summary>
    public double AchievedRate => _operations / Stopwatch.GetElapsedTime(_started).TotalSeconds;

    /// <summary>Counts one operation done, then waits while the client is ahead of the rate by a millisecond or more.</summary>
    /// <param name="cancellationToken">Ends the wait.</param>
    public async ValueTask PaceAsync(CancellationToken cancellationToken)
    {
        var due = _started + (long)(++_operations * Stopwatch.Frequency / _operationsPerSecond);
        var ahead = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), due);
        if (ahead >= MinimumPause)
        {
            await Task.Delay(ahead, cancellationToken).ConfigureAwait(false);
        }
    }
}
