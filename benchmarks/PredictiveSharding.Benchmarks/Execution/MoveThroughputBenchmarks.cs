using System.Diagnostics;
using System.IO.Hashing;
using BenchmarkDotNet.Attributes;
using PredictiveSharding.Execution;
using PredictiveSharding.Execution.Journal;
using PredictiveSharding.Storage.RocksDb;
using PredictiveSharding.Storage.RocksDb.Interop;
using RocksDbSharp;

namespace PredictiveSharding.Benchmarks.Execution;

/// <summary>
/// Moving a 100,000-key range (200-byte values, about 21 MB) between two RocksDB nodes. Baseline (PlainRocksDbCopy): what
/// a host would write without us, one RocksDB iterator over exactly the same 100,000 keys into 1 MiB write batches on a
/// fresh RocksDB database opened with the node's options, written with default <c>WriteOptions</c> (write-ahead log on, no
/// sync), and nothing else. ExecutorMove: a whole unthrottled move by <see cref="ShardingExecutor"/> over the RocksDB store:
/// journal records (fsynced) for every state, change capture on the source, delete of any stale copy on the target, the
/// copy (one snapshot of the source read by one iterator per sub-range, in parallel when there are several, entries written
/// into one table file per sub-range, the files ingested into the target together, which syncs them, the copied bytes hashed on the way into the
/// source's checksum at that snapshot), verification (a full read-back of the range on the target, hashed and compared
/// with the source's checksum; with <see cref="RocksDbClusterOptions.ReadBackWhileCopying"/>, the default while a core is
/// free, read by a background task part by part as the copy ingests, so the Verifying state only compares), catch-up, fenced cut-over, routing publish, and the delete on the old
/// owner (its table files of the range dropped; the clean-up grace is zero, so the clean-up is inside the timed move). Target: the move's throughput at least 80% of the plain copy's
/// (Ratio of ExecutorMove ≤ 1.25). The move's copy and verification can read sub-ranges on several threads
/// (<see cref="RocksDbClusterOptions.ScanParallelism"/>, 1 by default); PlainParallelRocksDbCopy is the same plain copy on
/// as many threads as the move uses, for an honest second comparison when that is more than one.
/// PairedMoveAndPlainCopy runs one plain copy and one move in every iteration, in alternating order, each once untimed
/// right before its timed run (timed cold, after the other cases, the plain copy took about 1.5 × its warm time while the
/// move barely changed, which flattered the move), and the "time
/// move/plain" column gives the median over iterations of each iteration's ratio: on the shared two-core machine the plain
/// copy alone took 66–147 ms from run to run and BenchmarkDotNet's Ratio (cases run one after another) moved between 1.1
/// and 2.5 over five runs, while pairs share the moment's load and page cache. It also times the move's stages from the
/// executor's progress (<see cref="MoveStageTimer"/>): "copy" is the Copying state — reading the snapshot, writing and
/// hashing the table file, its fsync and ingest — and "verify" the target's read-back; "time copy/plain" compares the
/// copy stage alone with the plain copy, the whole move being "time move/plain". The same iterations also time
/// <see cref="StorageFloorCopy"/> ("floor"): the storage work a verified move cannot skip, with none of our machinery —
/// the same snapshot read into an uncompressed table file (the move's block size and writer), the file synced and ingested, every entry hashed on the way and
/// the target read back and hashed, the per-entry calls made straight into the native library as the move makes them
/// (<see cref="Storage.RocksDb.Interop.DirectEntryCalls"/>; the plain copy uses RocksDbSharp's binding, as a host would) — so "time floor/plain" is the best ratio any verified move through ingestion could
/// reach here, and "time move/floor" what our machinery adds on top of it. They also time the same move on a second store
/// with <see cref="RocksDbClusterOptions.ReadBackWhileCopying"/> off ("move-serial": the target read after the copy), so
/// "time move/move-serial" is what overlapping the read with the copy saves.
/// </summary>
[Config(typeof(Config))]
public class MoveThroughputBenchmarks
{
    private const int Keys = 100_000;
    private const int ValueBytes = 200;
    private const int BatchBytes = 1024 * 1024;
    private const string Move = "move";
    private const string Plain = "plain";
    private const string CopyStage = "copy";
    private const string VerifyStage = "verify";
    private const string Floor = "floor";
    private const string SerialMove = "move-serial";
    private ExecutionBenchmarkStore _store = null!;
    private FileMoveJournal _journal = null!;
    private ShardingExecutor _executor = null!;
    private ExecutionBenchmarkStore _serialStore = null!;
    private FileMoveJournal _serialJournal = null!;
    private ShardingExecutor _serialExecutor = null!;
    private RocksDb _plainSource = null!;
    private RocksDb? _plainTarget;
    private string _plainTargetFolder = string.Empty;
    private int _plainIteration;
    private int _pairedIteration;
    private int _floorIteration;
    private readonly XxHash128 _entryHash = new();

    /// <summary>
    /// The store's <see cref="RocksDbClusterOptions.ScanParallelism"/>: 1 (its default) or 2 (one lane per core here);
    /// PlainParallelRocksDbCopy uses as many threads.
    /// </summary>
    [Params(1, 2)]
    public int Lanes { get; set; } = 1;

    [GlobalSetup]
    public void Setup()
    {
        _store = new ExecutionBenchmarkStore(Keys, stayingKeys: 1_000, ValueBytes, Lanes);
        _journal = FileMoveJournal.OpenAsync(Path.Combine(_store.Folder, "moves.journal"), "bench").GetAwaiter().GetResult();
        _executor = new ShardingExecutor(_store.Routing, _store.Cluster, _journal, new ExecutorOptions { ThrottleBytesPerSecond = null, CleanupGracePeriod = TimeSpan.Zero });

        // The same move with the verification read after the copy (the store's behaviour before ReadBackWhileCopying).
        _serialStore = new ExecutionBenchmarkStore(Keys, stayingKeys: 1_000, ValueBytes, Lanes, readBackWhileCopying: false);
        _serialJournal = FileMoveJournal.OpenAsync(Path.Combine(_serialStore.Folder, "moves.journal"), "bench").GetAwaiter().GetResult();
        _serialExecutor = new ShardingExecutor(_serialStore.Routing, _serialStore.Cluster, _serialJournal, new ExecutorOptions { ThrottleBytesPerSecond = null, CleanupGracePeriod = TimeSpan.Zero });
        _plainSource = OpenPlain(Path.Combine(_store.Folder, "plain-source"));
        using var batch = new WriteBatch();
        foreach (var key in _store.Keys.Take(Keys))
        {
            batch.Put(key.Span, ExecutionBenchmarkStore.Value(ValueBytes, 0), cf: null);
        }

        _plainSource.Write(batch);

        // The move's source range sits in table files (every move ingests it into its target as files); flush the plain
        // source too, so both copies read table files and no background flush of the setup's writes runs during the
        // baseline's first iterations.
        _plainSource.Flush(new FlushOptions().SetWaitForFlush(true));
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _executor.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _journal.Dispose();
        _serialExecutor.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _serialJournal.Dispose();
        _serialStore.Dispose();
        _plainSource.Dispose();
        _store.Dispose();
    }

    [IterationSetup(Targets = [nameof(PlainRocksDbCopy), nameof(PlainParallelRocksDbCopy), nameof(PairedMoveAndPlainCopy)])]
    public void CreatePlainTarget()
    {
        SampleRecorder.BeginIteration(SeriesKey(Move));
        SampleRecorder.BeginIteration(SeriesKey(Plain));
        SampleRecorder.BeginIteration(SeriesKey(CopyStage));
        SampleRecorder.BeginIteration(SeriesKey(VerifyStage));
        SampleRecorder.BeginIteration(SeriesKey(Floor));
        SampleRecorder.BeginIteration(SeriesKey(SerialMove));
        _plainTargetFolder = Path.Combine(_store.Folder, "plain-target-" + _plainIteration++);
        _plainTarget = OpenPlain(_plainTargetFolder);
    }

    [IterationCleanup(Targets = [nameof(PlainRocksDbCopy), nameof(PlainParallelRocksDbCopy), nameof(PairedMoveAndPlainCopy)])]
    public void DeletePlainTarget()
    {
        _plainTarget?.Dispose();
        _plainTarget = null;
        Directory.Delete(_plainTargetFolder, recursive: true);
    }

    /// <summary>Iterator over the range into 1 MiB write batches; returns the bytes copied.</summary>
    [Benchmark(Baseline = true)]
    public long PlainRocksDbCopy() => CopyPlain(_plainTarget!, lower: null, _store.Keys[Keys].Span.ToArray());

    /// <summary>
    /// The plain copy with as many threads as the move's copy and verification use (<see cref="Lanes"/>):
    /// the range cut at evenly spaced keys into that many sub-ranges, each copied by its own iterator into its own 1 MiB
    /// write batches, all at once; returns the bytes copied.
    /// </summary>
    [Benchmark]
    public long PlainParallelRocksDbCopy() => CopyPlainParallel(_plainTarget!);

    /// <summary>PlainParallelRocksDbCopy's copy into <paramref name="target"/>.</summary>
    private long CopyPlainParallel(RocksDb target)
    {
        var lanes = Lanes;
        var copies = new Task<long>[lanes];
        for (var i = 0; i < lanes; i++)
        {
            var lower = i == 0 ? null : _store.Keys[Keys * i / lanes].Span.ToArray();
            var upper = _store.Keys[Keys * (i + 1) / lanes].Span.ToArray();
            copies[i] = Task.Run(() => CopyPlain(target, lower, upper));
        }

        Task.WaitAll(copies);
        return copies.Sum(c => c.Result);
    }

    /// <summary>PlainRocksDbCopy's loop over [lower, upper).</summary>
    private long CopyPlain(RocksDb target, byte[]? lower, byte[] upper)
    {
        var readOptions = new ReadOptions().SetIterateUpperBound(upper);
        if (lower is not null)
        {
            readOptions.SetIterateLowerBound(lower);
        }

        using var iterator = _plainSource.NewIterator(readOptions: readOptions);
        var batch = new WriteBatch();
        long copied = 0;
        var pending = 0;
        try
        {
            for (iterator.SeekToFirst(); iterator.Valid(); iterator.Next())
            {
                var key = iterator.GetKeySpan();
                var value = iterator.GetValueSpan();
                batch.Put(key, value, cf: null);
                pending += key.Length + value.Length;
                if (pending >= BatchBytes)
                {
                    target.Write(batch);
                    batch.Dispose();
                    batch = new WriteBatch();
                    copied += pending;
                    pending = 0;
                }
            }

            target.Write(batch);

            // The iterator's upper bound lives in memory the ReadOptions frees when finalized.
            GC.KeepAlive(readOptions);
            return copied + pending;
        }
        finally
        {
            batch.Dispose();
        }
    }

    /// <summary>A whole move by the executor, unthrottled; returns the bytes it copied.</summary>
    [Benchmark]
    public async Task<long> ExecutorMove()
    {
        var report = await ExecutionBenchmarkPlans.ExecuteAndCheckAsync(_executor, ExecutionBenchmarkPlans.MoveToOtherNode(_store)).ConfigureAwait(false);
        return report.Actions[0].BytesCopied;
    }

    /// <summary>
    /// A plain copy (on <see cref="Lanes"/> threads), a whole move and the storage floor (<see cref="StorageFloorCopy"/>),
    /// timed one after the other, the order rotating from iteration to iteration (series "plain", "move" and "floor");
    /// returns the bytes all three copied.
    /// </summary>
    [Benchmark]
    public async Task<long> PairedMoveAndPlainCopy()
    {
        long bytes = 0;
        var first = _pairedIteration++ % 4;
        for (var i = 0; i < 4; i++)
        {
            // Each case runs once untimed right before its timed run: a case that follows other work runs cold (measured,
            // a plain copy right after another took 0.65 × the time of one after a move, a floor or a move-serial —
            // fresh memtable memory, caches — while a move barely changed), and a host's copy or move runs warm.
            var kind = (first + i) % 4;
            await RunPairedCaseAsync(kind, timed: false).ConfigureAwait(false);
            bytes += await RunPairedCaseAsync(kind, timed: true).ConfigureAwait(false);
        }

        return bytes;
    }

    /// <summary>Runs one case of PairedMoveAndPlainCopy (0 move, 1 plain, 2 floor, 3 move-serial), recording it when timed; returns the bytes it copied.</summary>
    private async Task<long> RunPairedCaseAsync(int kind, bool timed)
    {
        var started = Stopwatch.GetTimestamp();
        switch (kind)
        {
            case 0:
                var stages = new MoveStageTimer();
                var report = await ExecutionBenchmarkPlans.ExecuteAndCheckAsync(_executor, ExecutionBenchmarkPlans.MoveToOtherNode(_store), stages).ConfigureAwait(false);
                if (timed)
                {
                    SampleRecorder.Add(SeriesKey(Move), Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                    SampleRecorder.Add(SeriesKey(CopyStage), stages.Milliseconds(MoveState.Copying));
                    SampleRecorder.Add(SeriesKey(VerifyStage), stages.Milliseconds(MoveState.Verifying));
                }

                return report.Actions[0].BytesCopied;
            case 1:
                // The untimed run copies into a database of its own, deleted after it, so the timed one starts empty too.
                var scratchFolder = _plainTargetFolder + "-warm";
                var target = timed ? _plainTarget! : OpenPlain(scratchFolder);
                started = Stopwatch.GetTimestamp();

                // As many threads as the move uses: a second core is not the move's machinery.
                var copied = Lanes == 1 ? CopyPlain(target, lower: null, _store.Keys[Keys].Span.ToArray()) : CopyPlainParallel(target);
                if (timed)
                {
                    SampleRecorder.Add(SeriesKey(Plain), Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                }

                // The plain copy's 21 MB overflow the 16 MiB write buffer, so it leaves a memtable flush running in the
                // background; untimed, it is finished here so that it does not run inside the case timed next (it is the
                // plain copy's cost, which its own timing leaves out).
                target.Flush(new FlushOptions().SetWaitForFlush(true));
                if (!timed)
                {
                    target.Dispose();
                    Directory.Delete(scratchFolder, recursive: true);
                }

                return copied;
            case 2:
                // The floor's target database is created before the clock starts and closed and deleted after it stops,
                // as the plain copy's is (and a move ingests into a node that already exists).
                var floorFolder = Path.Combine(_store.Folder, "floor-" + _floorIteration++);
                var floorTarget = OpenPlain(floorFolder);
                try
                {
                    started = Stopwatch.GetTimestamp();
                    var floor = StorageFloorCopy(floorTarget, floorFolder + ".sst");
                    if (timed)
                    {
                        SampleRecorder.Add(SeriesKey(Floor), Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                    }

                    return floor;
                }
                finally
                {
                    floorTarget.Dispose();
                    Directory.Delete(floorFolder, recursive: true);
                }

            default:
                var serial = await ExecutionBenchmarkPlans.ExecuteAndCheckAsync(_serialExecutor, ExecutionBenchmarkPlans.MoveToOtherNode(_serialStore)).ConfigureAwait(false);
                if (timed)
                {
                    SampleRecorder.Add(SeriesKey(SerialMove), Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                }

                return serial.Actions[0].BytesCopied;
        }
    }

    /// <summary>
    /// The storage work of a verified move through ingestion, by hand and on one thread: the plain source's range read by
    /// one iterator (no block-cache fill, 2 MiB readahead, as the move reads) into an uncompressed table file, each entry
    /// hashed (XxHash128 over key and value, summed), the file finished (synced) and ingested into a database of its own,
    /// which is then read back and hashed the same way; throws if the two sums differ. No journal, change capture,
    /// checkpoints, progress, throttle, catch-up, fence, routing or clean-up. Returns the bytes copied.
    /// </summary>
    /// <param name="target">An empty database, opened (and later closed) by the caller outside the timing.</param>
    /// <param name="file">The table file to write.</param>
    public long StorageFloorCopy(RocksDb target, string file)
    {
        var upper = _store.Keys[Keys].Span.ToArray();
        var readOptions = new ReadOptions().SetIterateUpperBound(upper).SetFillCache(false).SetReadaheadSize(2 * 1024 * 1024);
        long bytes = 0;
        UInt128 sourceSum = 0;
        // The per-entry calls go straight to the native library, as the move's do, so that a faster binding does not
        // pass for machinery saved.
        var direct = DirectEntryCalls.Instance ?? throw new InvalidOperationException("The RocksDB library's handle was not found; the floor needs the direct calls the move uses.");
        // The move's table files: uncompressed, its block size, and its writer (which leaves the file's pages cached).
        using (var writer = TableFileWriter.Open(file, RocksDbNode.CreateIngestFileOptions()))
        {
            using (var iterator = _plainSource.NewIterator(readOptions: readOptions))
            {
                for (iterator.SeekToFirst(); direct.Valid(iterator); direct.Next(iterator))
                {
                    var key = direct.Key(iterator);
                    var value = direct.Value(iterator);
                    direct.Put(writer.Handle, key, value);
                    sourceSum += EntryHash(key, value);
                    bytes += key.Length + value.Length;
                }
            }

            writer.Finish();
        }

        target.IngestExternalFiles([file], new IngestExternalFileOptions().SetMoveFiles(true));
        UInt128 targetSum = 0;
        using (var readBack = target.NewIterator(readOptions: new ReadOptions().SetFillCache(false).SetReadaheadSize(2 * 1024 * 1024)))
        {
            for (readBack.SeekToFirst(); direct.Valid(readBack); direct.Next(readBack))
            {
                targetSum += EntryHash(direct.Key(readBack), direct.Value(readBack));
            }
        }

        GC.KeepAlive(readOptions);
        if (sourceSum != targetSum)
        {
            throw new InvalidOperationException("The floor copy's read-back does not match its source.");
        }

        return bytes;
    }

    private UInt128 EntryHash(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
    {
        // One reused hasher: an allocation per entry would charge the floor with garbage the move does not make.
        var hash = _entryHash;
        hash.Reset();
        hash.Append(key);
        hash.Append(value);
        return hash.GetCurrentHashAsUInt128();
    }

    private string SeriesKey(string series) => RecordedPercentileColumn.SeriesKey(RecordedPercentileColumn.CaseKey(nameof(PairedMoveAndPlainCopy), Lanes), series);

    /// <summary>A raw RocksDB database with the options a <see cref="Storage.RocksDb.RocksDbNode"/> uses, so only the machinery differs.</summary>
    private static RocksDb OpenPlain(string folder)
    {
        var options = new DbOptions()
            .SetCreateIfMissing(true)
            .IncreaseParallelism(2)
            .SetWriteBufferSize(16L * 1024 * 1024)
            .SetKeepLogFileNum(2)
            .SetMaxLogFileSize(1024 * 1024)
            .SetInfoLogLevel(InfoLogLevel.Warn);
        return RocksDb.Open(options, folder);
    }

    private sealed class Config : BenchmarkDotNet.Configs.ManualConfig
    {
        public Config()
        {
            // Fifteen measured iterations (each about a third of a second) so the median pair ratio rests on more than a few pairs.
            Add(new ExecutionBenchmarkConfig(iterations: 15));
            AddColumn(
                new RecordedPercentileColumn("time", 50, Plain),
                new RecordedPercentileColumn("time", 50, Move),
                new RecordedPercentileColumn("time", 50, CopyStage),
                new RecordedPercentileColumn("time", 50, VerifyStage),
                new RecordedPercentileColumn("time", 50, Floor),
                new RecordedPercentileColumn("time", 50, SerialMove),
                new RecordedRatioColumn("time", 50, Move, Plain),
                new RecordedRatioColumn("time", 50, CopyStage, Plain),
                new RecordedRatioColumn("time", 50, Floor, Plain),
                new RecordedRatioColumn("time", 50, Move, Floor),
                new RecordedRatioColumn("time", 50, SerialMove, Plain),
                new RecordedRatioColumn("time", 50, Move, SerialMove));
        }
    }
}
