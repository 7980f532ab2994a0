using System.Globalization;

namespace PredictiveSharding.Storage.RocksDb;

/// <summary>Settings of a <see cref="RocksDbCluster"/>. Defaults suit a handful of nodes in one process on a small machine.</summary>
public sealed class RocksDbClusterOptions
{
    /// <summary>The default memtable size per column family: 16 MiB.</summary>
    public const long DefaultWriteBufferBytes = 16L * 1024 * 1024;

    /// <summary>
    /// The folder that holds one sub-folder per node (each a RocksDB database). Created when missing. Required.
    /// </summary>
    public string RootDirectory { get; set; } = string.Empty;

    /// <summary>
    /// When true every write is fsynced before it is acknowledged (RocksDB <c>WriteOptions.sync</c>), so an
    /// acknowledged write survives a power loss. When false (the default) every write still goes to the write-ahead
    /// log before it is acknowledged, which survives a crash of the process but not of the machine.
    /// </summary>
    public bool SyncWrites { get; set; }

    /// <summary>
    /// Memtable size per column family, in bytes (RocksDB <c>write_buffer_size</c>). Default 16 MiB rather than
    /// RocksDB's 64 MiB, because several nodes share one process. At least 64 KiB.
    /// </summary>
    public long WriteBufferBytes { get; set; } = DefaultWriteBufferBytes;

    /// <summary>
    /// Background flush and compaction threads per node (RocksDB <c>IncreaseParallelism</c>). Default 2; 1 to 64.
    /// </summary>
    public int BackgroundThreads { get; set; } = 2;

    /// <summary>
    /// Iterators a copy or a checksum scan of one range reads in parallel, each over a sub-range of the same snapshot (so
    /// together they read exactly what one iterator would; the checksums of the sub-ranges join into the whole range's).
    /// Default 1 (one iterator): on a 2-core machine shared with other work, measured, two lanes made a move slower, not
    /// faster (two threads got no more processor time than one); set it to the cores a move may use on a machine that has
    /// them idle. 1 to 64. With a copy throttle the executor still paces the total bytes the lanes read.
    /// </summary>
    public int ScanParallelism { get; set; } = 1;

    /// <summary>
    /// Whether a copy of a whole range reads back each commit's part of the range on the target, on a thread of its own,
    /// while it copies the next chunks, so that the move's verification compares the two checksums the copy computed
    /// instead of reading the whole range on the target after the copy (<see cref="Moving.RangeCopy.TargetChecksum"/>).
    /// Default true: the same bytes are read either way, but overlapped with the copy (and with the copy's file syncs and
    /// ingests, which move to the same background task) an unthrottled move took 0.86 × the time on this project's 2-core
    /// machine (median of five paired benchmark runs); the executor's throttle charges the read as it charged the
    /// separate one. Used only while the copy's lanes (<see cref="ScanParallelism"/>) leave a core free: beside two
    /// copying lanes on two cores it made moves slower. The last part is still read after the last step, on every core;
    /// a resumed copy, or a move whose target is given changes before verification, is verified by a full read as before.
    /// </summary>
    public bool ReadBackWhileCopying { get; set; } = true;

    /// <summary>Throws when a setting is out of range, naming it and its value.</summary>
    /// <exception cref="ArgumentException"><see cref="RootDirectory"/> is empty.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A numeric setting is out of range.</exception>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(RootDirectory))
        {
            throw new ArgumentException($"RocksDbClusterOptions.RootDirectory must name a folder; got '{RootDirectory}'.", nameof(RootDirectory));
        }

        if (WriteBufferBytes < 64 * 1024)
        {
            throw new ArgumentOutOfRangeException(nameof(WriteBufferBytes), WriteBufferBytes, string.Create(CultureInfo.InvariantCulture, $"RocksDbClusterOptions.WriteBufferBytes must be at least 65536; got {WriteBufferBytes}."));
        }

        if (BackgroundThreads is < 1 or > 64)
        {
            throw new ArgumentOutOfRangeException(nameof(BackgroundThreads), BackgroundThreads, string.Create(CultureInfo.InvariantCulture, $"RocksDbClusterOptions.BackgroundThreads must be between 1 and 64; got {BackgroundThreads}."));
        }

        if (ScanParallelism is < 1 or > 64)
        {
            throw new ArgumentOutOfRangeException(nameof(ScanParallelism), ScanParallelism, string.Create(CultureInfo.InvariantCulture, $"RocksDbClusterOptions.ScanParallelism must be between 1 and 64; got {ScanParallelism}."));
        }
    }
}
