namespace PredictiveSharding.Execution;

/// <summary>The defaults of <see cref="ExecutorOptions"/>, named in one place.</summary>
internal static class ExecutorDefaults
{
    /// <summary>1 MiB: large enough that per-call overhead is small, small enough that one chunk does not stall foreground I/O.</summary>
    public const int ChunkBytes = 1024 * 1024;

    /// <summary>
    /// While a move waits out its clean-up grace period it reports progress this often (its state, CleaningUp, again), so
    /// that a watcher that counts a cycle without progress for three control intervals, and at least 15 s, as stalled (the
    /// hosted loop's health check) does not take the wait for a stall.
    /// </summary>
    public static readonly TimeSpan CleanupProgressInterval = TimeSpan.FromSeconds(5);

    /// <summary>
    /// 8 MiB/s. A move's copy and verification cost CPU on both nodes (reading, hashing, memtable inserts; about 10–30 ms of
    /// a core per MiB measured on this project's 2-core machine), so the rate is what bounds the share of a small node's
    /// CPU a move takes from foreground requests: at 8 MiB/s about a tenth to a quarter of one core, at the former
    /// default of 32 MiB/s most of one. CockroachDB made the same trade (rebalancing snapshots limited to 2 MB/s in
    /// cockroach#14718, later 8 and then 32 MiB/s, <c>kv.snapshot_rebalance.max_rate</c>, on larger machines). Raise it
    /// on nodes with spare cores.
    /// </summary>
    public const long ThrottleBytesPerSecond = 8L * 1024 * 1024;

    /// <summary>
    /// A copy journals its position at most every this many chunks (with 1 MiB chunks, 8 MiB), so a resumed copy redoes
    /// at least this many; see <see cref="CopyCheckpointCostFactor"/> for when it waits longer.
    /// </summary>
    public const int CopyCheckpointChunks = 8;

    /// <summary>
    /// A copy checkpoint (commit on the target, one journal fsync) is taken only once the copy has run this many times the
    /// last checkpoint's duration since the previous one, so checkpoints take at most about a tenth of a copy's time: a
    /// throttled copy (8 MiB/s) still checkpoints every 8 chunks, an unthrottled one less often, redoing at most about ten
    /// checkpoints' worth of time after a crash.
    /// </summary>
    public const int CopyCheckpointCostFactor = 10;

    /// <summary>Two moves per node at once, in or out (CockroachDB's snapshot rebalancing also keeps per-store concurrency small).</summary>
    public const int MaxConcurrentMovesPerNode = 2;

    /// <summary>
    /// Cut over once a catch-up round had at most this many changes to apply: the final drain under the fence is then
    /// about this long (MongoDB enters its critical section once "little is left" of the transfer mods).
    /// </summary>
    public const int CatchUpLagThreshold = 256;

    /// <summary>Give up (and roll back) when the target has not caught up after this many rounds: writes outpace the copy.</summary>
    public const int MaxCatchUpRounds = 50;

    /// <summary>Changes read from the feed per call.</summary>
    public const int ChangeBatchSize = 1024;

    /// <summary>Longest a cut-over may hold the write fence before it is abandoned and retried.</summary>
    public static readonly TimeSpan FenceTimeout = TimeSpan.FromSeconds(5);

    /// <summary>Cut-over attempts (each bounded by the fence timeout) before the move rolls back.</summary>
    public const int MaxCutOverAttempts = 3;

    /// <summary>
    /// Wait this long after publishing before deleting the range on the old owner, so requests routed with the previous
    /// version finish there (MongoDB likewise deletes a migrated range on the donor after a delay, orphanCleanupDelaySecs).
    /// </summary>
    public static readonly TimeSpan CleanupGracePeriod = TimeSpan.FromSeconds(30);

    /// <summary>Retries of a mover call that failed with a transient error.</summary>
    public const int MaxRetryAttempts = 3;

    /// <summary>First retry delay; each further retry doubles it.</summary>
    public static readonly TimeSpan RetryBaseDelay = TimeSpan.FromMilliseconds(200);

    /// <summary>
    /// The longest delay a timer (<see cref="TimeProvider.CreateTimer"/>, <see cref="Task.Delay(TimeSpan, TimeProvider)"/>,
    /// a <see cref="CancellationTokenSource"/> timeout) accepts: 2^32 - 2 ms, about 49.7 days. Time options are bounded by
    /// it, and a retry's doubled delay is capped at it.
    /// </summary>
    public static readonly TimeSpan MaxTimerDelay = TimeSpan.FromMilliseconds(uint.MaxValue - 1);

    /// <summary><see cref="MaxTimerDelay"/> as option messages name it.</summary>
    public static readonly string MaxTimerDelayText = MaxTimerDelay.ToString("c", System.Globalization.CultureInfo.InvariantCulture) + " (about 49.7 days)";

    /// <summary>The default transient-error test: timeouts and I/O errors.</summary>
    public static bool IsTransient(Exception exception) => exception is TimeoutException or IOException;
}
