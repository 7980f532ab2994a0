using System.Globalization;

namespace PredictiveSharding.Execution;

/// <summary>Settings of a <see cref="ShardingExecutor"/>. Defaults are conservative; <see cref="Validate"/> names any bad value.</summary>
public sealed class ExecutorOptions
{
    /// <summary>Bytes read from the source per chunk while copying. Default 1 MiB; 1 KiB to 256 MiB.</summary>
    public int ChunkBytes { get; set; } = ExecutorDefaults.ChunkBytes;

    /// <summary>
    /// Copy bandwidth for all moves of the executor together, in bytes per second (a token bucket refilled every
    /// 100 ms, bursting at most one refill); null copies unthrottled. Default 8 MiB/s, sized for small nodes (see the README's
    /// figures for the foreground latency it costs). The verification reads pay from the same budget; a copy that reads
    /// the target back as it goes (<see cref="Moving.RangeCopy.ReadsBackTarget"/>) pays for each byte twice instead.
    /// </summary>
    public long? ThrottleBytesPerSecond { get; set; } = ExecutorDefaults.ThrottleBytesPerSecond;

    /// <summary>Moves that may run at once on one node (as source or target). Default 2; at least 1.</summary>
    public int MaxConcurrentMovesPerNode { get; set; } = ExecutorDefaults.MaxConcurrentMovesPerNode;

    /// <summary>A move cuts over once a catch-up round applied at most this many changes. Default 256; 0 or more.</summary>
    public int CatchUpLagThreshold { get; set; } = ExecutorDefaults.CatchUpLagThreshold;

    /// <summary>Catch-up rounds after which a move that has not caught up rolls back. Default 50; at least 1.</summary>
    public int MaxCatchUpRounds { get; set; } = ExecutorDefaults.MaxCatchUpRounds;

    /// <summary>Changes read from a change feed per call. Default 1024; at least 1.</summary>
    public int ChangeBatchSize { get; set; } = ExecutorDefaults.ChangeBatchSize;

    /// <summary>Longest the cut-over may take to fence the source and drain the last changes; past it the fence is released and the cut-over retried. Default 5 s; positive, at most about 49.7 days (the longest a timer waits).</summary>
    public TimeSpan FenceTimeout { get; set; } = ExecutorDefaults.FenceTimeout;

    /// <summary>Cut-over attempts before a move rolls back. Default 3; at least 1.</summary>
    public int MaxCutOverAttempts { get; set; } = ExecutorDefaults.MaxCutOverAttempts;

    /// <summary>Wait between publishing the new owner and deleting the range on the old one (progress is reported every 5 s while it lasts); a clean-up resumed by recovery waits what is left of it, and never more than this, whatever the clock that journalled its deadline said. Default 30 s; zero to about 49.7 days (the longest a timer waits).</summary>
    public TimeSpan CleanupGracePeriod { get; set; } = ExecutorDefaults.CleanupGracePeriod;

    /// <summary>
    /// Retries in a row of a mover call that failed with a transient error (see <see cref="IsTransient"/>). Default 3; 0 to
    /// 100. A copy or checksum scan is retried as a whole, and its count starts again whenever a failed attempt got further
    /// than the one before (a copy that journalled a new checkpoint, a scan that read further than any earlier attempt).
    /// </summary>
    public int MaxRetryAttempts { get; set; } = ExecutorDefaults.MaxRetryAttempts;

    /// <summary>Delay before the first retry; each further retry doubles it, up to the longest a timer waits (about 49.7 days). Default 200 ms; zero to that.</summary>
    public TimeSpan RetryBaseDelay { get; set; } = ExecutorDefaults.RetryBaseDelay;

    /// <summary>Which mover errors are retried; others roll the move back. Default: <see cref="TimeoutException"/> and <see cref="IOException"/>.</summary>
    public Func<Exception, bool> IsTransient { get; set; } = ExecutorDefaults.IsTransient;

    /// <summary>
    /// What recovery does with a move that a crash interrupted before its new owner was published: true (the default)
    /// resumes it from its last journalled checkpoint (the copy from the last journalled chunk boundary, the catch-up from
    /// the last applied change-feed sequence, verification re-run in full) whenever the source's change capture and both
    /// nodes are still there, and rolls it back otherwise; false always rolls it back.
    /// </summary>
    public bool ResumeInterruptedMoves { get; set; } = true;

    /// <summary>The journal file <see cref="ShardingExecutor.CreateAsync"/> opens (a <see cref="Journal.FileMoveJournal"/>). Required there; unused when a journal is passed in.</summary>
    public string? JournalPath { get; set; }

    /// <summary>The cluster's id, written in the journal's header; a journal of another cluster is refused (by the constructor too, when this is set). Required by <see cref="ShardingExecutor.CreateAsync"/>.</summary>
    public string? ClusterId { get; set; }

    /// <summary>Throws when a setting is out of range, naming it and its value.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A numeric or time setting is out of range.</exception>
    /// <exception cref="ArgumentException"><see cref="IsTransient"/> is null.</exception>
    public void Validate()
    {
        Check(ChunkBytes is >= 1024 and <= 256 * 1024 * 1024, nameof(ChunkBytes), ChunkBytes, "between 1024 and 268435456 bytes");
        Check(ThrottleBytesPerSecond is null or > 0, nameof(ThrottleBytesPerSecond), ThrottleBytesPerSecond, "positive, or null for no throttle");
        Check(MaxConcurrentMovesPerNode >= 1, nameof(MaxConcurrentMovesPerNode), MaxConcurrentMovesPerNode, "at least 1");
        Check(CatchUpLagThreshold >= 0, nameof(CatchUpLagThreshold), CatchUpLagThreshold, "0 or more");
        Check(MaxCatchUpRounds >= 1, nameof(MaxCatchUpRounds), MaxCatchUpRounds, "at least 1");
        Check(ChangeBatchSize >= 1, nameof(ChangeBatchSize), ChangeBatchSize, "at least 1");
        Check(FenceTimeout > TimeSpan.Zero && FenceTimeout <= ExecutorDefaults.MaxTimerDelay, nameof(FenceTimeout), FenceTimeout, "positive and at most " + ExecutorDefaults.MaxTimerDelayText);
        Check(MaxCutOverAttempts >= 1, nameof(MaxCutOverAttempts), MaxCutOverAttempts, "at least 1");
        Check(CleanupGracePeriod >= TimeSpan.Zero && CleanupGracePeriod <= ExecutorDefaults.MaxTimerDelay, nameof(CleanupGracePeriod), CleanupGracePeriod, "between zero and " + ExecutorDefaults.MaxTimerDelayText);
        Check(MaxRetryAttempts is >= 0 and <= 100, nameof(MaxRetryAttempts), MaxRetryAttempts, "between 0 and 100");
        Check(RetryBaseDelay >= TimeSpan.Zero && RetryBaseDelay <= ExecutorDefaults.MaxTimerDelay, nameof(RetryBaseDelay), RetryBaseDelay, "between zero and " + ExecutorDefaults.MaxTimerDelayText);
        if (IsTransient is null)
        {
            throw new ArgumentException("ExecutorOptions.IsTransient must not be null.", nameof(IsTransient));
        }
    }

    internal ExecutorOptions Clone() => (ExecutorOptions)MemberwiseClone();

    private static void Check(bool ok, string name, object? value, string expected)
    {
        if (!ok)
        {
            throw new ArgumentOutOfRangeException(name, value, string.Create(CultureInfo.InvariantCulture, $"ExecutorOptions.{name} must be {expected}; got {value ?? "null"}."));
        }
    }
}
