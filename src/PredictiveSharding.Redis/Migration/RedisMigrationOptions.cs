using System.Globalization;

namespace PredictiveSharding.Redis.Migration;

/// <summary>Settings of <see cref="RedisSlotMigrationExecutor"/>. Defaults follow <c>redis-cli --cluster reshard</c> where it has one.</summary>
public sealed class RedisMigrationOptions
{
    /// <summary>
    /// The journal file (created when missing). Required; keep it on durable storage next to the host's state. One executor
    /// runs on it at a time (a lock file, <c>JournalPath.lock</c>, is held during each plan and recovery): another whose run
    /// overlaps, in this process or another, is refused.
    /// </summary>
    public string JournalPath { get; set; } = string.Empty;

    /// <summary>Keys per <c>CLUSTER GETKEYSINSLOT</c> + <c>MIGRATE … KEYS</c> round, 1 to 10,000. Default 100 (redis-cli's <c>--cluster-pipeline</c> default is 10; larger batches cut round trips).</summary>
    public int KeysPerBatch { get; set; } = 100;

    /// <summary>The <c>MIGRATE</c> timeout. Default 60 s (redis-cli's <c>--cluster-timeout</c> default, 60,000 ms).</summary>
    public TimeSpan MigrateTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Most keys migrated per second (a throttle, so a move does not crowd out the application): 0 for no limit, or at least 1. Default 0.</summary>
    public double MaxKeysPerSecond { get; set; }

    /// <summary>Attempts of a command that failed transiently (timeout, dropped connection, TRYAGAIN, IOERR, LOADING, CLUSTERDOWN), 1 to 100. Default 4.</summary>
    public int Attempts { get; set; } = 4;

    /// <summary>Wait before the first retry, 0 to 1 minute; doubles with each further one, up to <see cref="MaxRetryDelay"/>. Default 100 ms.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// The longest wait between two attempts, however many retries came before: the doubling of <see cref="RetryDelay"/>
    /// stops here. From <see cref="RetryDelay"/> to 1 hour; default 1 minute (up to 100 attempts are allowed, and
    /// unbounded the waits of the later ones would run to years).
    /// </summary>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Keys per slot whose value (<c>DUMP</c>) is compared before the move and after it, read through the client path. 0 to 1,000; default 8.</summary>
    public int SampledKeysPerSlot { get; set; } = 8;

    /// <summary>
    /// Whether a sampled value that differs after the move fails the move (and rolls it back). Default false: while the
    /// application writes, a sampled key may simply have been written between the two reads, so a difference is counted
    /// and logged. Set it when the moved slots are quiet (maintenance windows, tests).
    /// </summary>
    public bool FailOnSampleMismatch { get; set; }

    /// <summary>What to do with a move a crash left unfinished. Default <see cref="RecoveryPolicy.Resume"/>.</summary>
    public RecoveryPolicy Recovery { get; set; } = RecoveryPolicy.Resume;

    /// <summary>Throws when a setting is out of range, naming it and its value.</summary>
    /// <exception cref="ArgumentException"><see cref="JournalPath"/> is empty.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A setting is out of range.</exception>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(JournalPath))
        {
            throw new ArgumentException($"RedisMigrationOptions.JournalPath must name a file; got '{JournalPath}'.", nameof(JournalPath));
        }

        if (KeysPerBatch is < 1 or > 10_000)
        {
            throw Bad(nameof(KeysPerBatch), KeysPerBatch, "from 1 to 10000");
        }

        if (MigrateTimeout < TimeSpan.FromMilliseconds(1) || MigrateTimeout > TimeSpan.FromHours(1))
        {
            throw Bad(nameof(MigrateTimeout), MigrateTimeout, "from 1 ms to 1 hour");
        }

        // At least one key a second: the throttle waits keys / rate seconds, and a tiny rate overflowed that wait (or passed
        // what a timer takes) mid-move, where the exception escaped raw with the slot left open.
        if (!(MaxKeysPerSecond == 0 || MaxKeysPerSecond >= 1) || !double.IsFinite(MaxKeysPerSecond))
        {
            throw Bad(nameof(MaxKeysPerSecond), MaxKeysPerSecond, "zero (no limit) or a finite rate of at least 1 key per second");
        }

        if (Attempts is < 1 or > 100)
        {
            throw Bad(nameof(Attempts), Attempts, "from 1 to 100");
        }

        if (RetryDelay < TimeSpan.Zero || RetryDelay > TimeSpan.FromMinutes(1))
        {
            throw Bad(nameof(RetryDelay), RetryDelay, "from 0 to 1 minute");
        }

        if (MaxRetryDelay < RetryDelay || MaxRetryDelay > TimeSpan.FromHours(1))
        {
            throw Bad(nameof(MaxRetryDelay), MaxRetryDelay, string.Create(CultureInfo.InvariantCulture, $"from RetryDelay ({RetryDelay}) to 1 hour"));
        }

        if (SampledKeysPerSlot is < 0 or > 1_000)
        {
            throw Bad(nameof(SampledKeysPerSlot), SampledKeysPerSlot, "from 0 to 1000");
        }

        if (!Enum.IsDefined(Recovery))
        {
            throw Bad(nameof(Recovery), Recovery, "Resume or RollBack");
        }
    }

    /// <summary>A copy, which the executor keeps: the settings are read long after it validated them.</summary>
    internal RedisMigrationOptions Copy() => (RedisMigrationOptions)MemberwiseClone();

    private static ArgumentOutOfRangeException Bad(string name, object value, string expected) =>
        new(name, value, string.Create(CultureInfo.InvariantCulture, $"RedisMigrationOptions.{name} must be {expected}; got {value}."));
}
