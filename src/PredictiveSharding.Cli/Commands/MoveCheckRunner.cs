using System.Diagnostics;
using System.Globalization;
using PredictiveSharding.Execution;
using PredictiveSharding.Execution.FaultInjection;
using PredictiveSharding.Execution.Journal;
using PredictiveSharding.Keys;
using PredictiveSharding.Moving;
using PredictiveSharding.Planning;
using PredictiveSharding.Routing;
using PredictiveSharding.Storage.RocksDb;
using PredictiveSharding.Topology;

namespace PredictiveSharding.Cli.Commands;

/// <summary>
/// The move-check torture run: a RocksDB cluster in a temporary folder, foreground writers and readers going through
/// the routing table, seeded plans of splits and moves executed by <see cref="ShardingExecutor"/>, and the executor
/// killed at random calls (<see cref="CrashSwitch"/>) and replaced by a new one that recovers from the same journal file.
/// At the end every key is checked on the owner the final routing names, and every node is scanned for copies it should
/// not hold.
/// </summary>
internal sealed class MoveCheckRunner
{
    private const string ClusterId = "move-check";

    // Calls a move makes besides its copy (capture, catch-up, verification, cut-over, clean-up and their journal
    // records), and a recovery makes before any has been counted.
    private const long CallsPerMoveBesidesCopy = 30;
    private const long InitialRecoveryCalls = 12;

    private readonly MoveCheckSettings _settings;
    private readonly TextWriter _log;
    private readonly Random _random;

    // Moves a recovery resumed from their checkpoint, by action id (a move resumed twice counts once).
    private readonly HashSet<string> _resumedMoves = new(StringComparer.Ordinal);
    private long _recoveryCalls = InitialRecoveryCalls;
    private int _crashes;
    private long _routingOverlaps;

    public MoveCheckRunner(MoveCheckSettings settings, TextWriter log)
    {
        _settings = settings;
        _log = log;
#pragma warning disable CA5394 // Seeded on purpose: a failing seed must be replayable.
        _random = new Random(settings.Seed);
#pragma warning restore CA5394
    }

    public async Task<MoveCheckReport> RunAsync(CancellationToken cancellationToken)
    {
        _settings.Validate();
        var stopwatch = Stopwatch.StartNew();
        var folder = Path.Combine(Path.GetTempPath(), "psharding-move-check-" + Guid.NewGuid().ToString("N"));
        try
        {
            Directory.CreateDirectory(folder);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new MoveCheckEnvironmentException($"the nodes' folder '{folder}' cannot be created in the temporary folder (TMPDIR): {e.Message}", e);
        }

        try
        {
            return await RunInFolderAsync(folder, stopwatch, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private async Task<MoveCheckReport> RunInFolderAsync(string folder, Stopwatch stopwatch, CancellationToken cancellationToken)
    {
        var nodes = Enumerable.Range(0, _settings.Nodes).Select(i => new NodeId("n" + i.ToString(CultureInfo.InvariantCulture))).ToArray();
        var keys = new MoveCheckKeySpace(_settings.Keys, _settings.ValueBytes);
        var planner = new MoveCheckPlanner(keys, nodes, _random);
        var routing = new RoutingTable(planner.InitialRouting());
        routing.Changed += (_, e) => Interlocked.Add(ref _routingOverlaps, CountOverlaps(e.Current));
        var journalPath = Path.Combine(folder, "moves.journal");
        var options = new ExecutorOptions
        {
            // Small chunks and a modest throttle stretch each copy over many calls and many foreground writes, so
            // crashes land mid-copy and catch-up has real work. A short clean-up grace keeps the old copy readable on the
            // source for a while after each switch, which is when a reader routed with the old version could read it.
            ChunkBytes = 4096,
            ThrottleBytesPerSecond = 2L * 1024 * 1024,
            CleanupGracePeriod = TimeSpan.FromMilliseconds(50),
            RetryBaseDelay = TimeSpan.FromMilliseconds(5),
            JournalPath = journalPath,
            ClusterId = ClusterId,
        };

        using var cluster = new RocksDbCluster(new RocksDbClusterOptions { RootDirectory = Path.Combine(folder, "nodes") }, nodes, routing);
        var workload = new MoveCheckWorkload(cluster, routing, keys, _settings.Writers, _settings.Seed);
        await workload.LoadAsync(cancellationToken).ConfigureAwait(false);

        using var stopTraffic = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var traffic = workload.RunAsync(stopTraffic.Token);
        var completed = 0;
        var rolledBack = 0;
        try
        {
            var movesLeft = _settings.Moves;
            var crashesLeft = _settings.Crashes;
            while (movesLeft > 0)
            {
                var (plan, moves, ranges) = planner.Next(routing.Current, movesLeft);
                movesLeft -= moves.Count;
                workload.SetHotRanges(ranges);
                var crashesNow = CrashesForPlan(crashesLeft, movesLeft);
                var used = await ExecuteWithCrashesAsync(plan, routing, cluster, options, crashesNow, cancellationToken).ConfigureAwait(false);
                crashesLeft -= used;

                // Judged by the routing, whatever the executors reported: the target owns it, or the source still does.
                foreach (var move in moves)
                {
                    var map = routing.Current;
                    if (map.Contains(move.Shard) && map.Get(move.Shard).Node == move.To)
                    {
                        completed++;
                    }
                    else
                    {
                        rolledBack++;
                    }
                }

                _log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"plan of {plan.Actions.Count} action(s): routing v{routing.Current.Version}, {completed} moves completed, {rolledBack} rolled back, {_crashes} crashes so far"));
            }
        }
        finally
        {
            await stopTraffic.CancelAsync().ConfigureAwait(false);
            await traffic.ConfigureAwait(false);
        }

        var (lost, verified) = CheckAcknowledgedWrites(cluster, routing.Current, keys, workload);
        var orphans = await CountCopiesOffTheirOwnerAsync(cluster, routing.Current, cancellationToken).ConfigureAwait(false);
        var leftCaptures = cluster.Nodes.Sum(n => cluster.Node(n).OpenCaptureIds.Count);
        var leftFences = cluster.Nodes.Sum(n => cluster.Node(n).ActiveFences);
        if (leftCaptures + leftFences > 0)
        {
            _log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"warning: {leftCaptures} change capture(s) and {leftFences} write fence(s) were left open after the last recovery"));
        }

        _log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{workload.AcknowledgedWrites} acknowledged writes, {workload.Reads} reads, {workload.Redirects} redirects; {lost} lost, {workload.StaleReads} stale reads, {orphans} keys off their owner"));
        return new MoveCheckReport(
            workload.AcknowledgedWrites,
            lost,
            workload.StaleReads,
            orphans + Interlocked.Read(ref _routingOverlaps),
            completed,
            rolledBack,
            _resumedMoves.Count,
            _crashes,
            verified,
            Math.Round(stopwatch.Elapsed.TotalSeconds, 3));
    }

    /// <summary>Spreads the remaining crashes over the plans still to come (about one and a half moves per plan).</summary>
    private int CrashesForPlan(int crashesLeft, int movesLeftAfterThisPlan)
    {
        if (crashesLeft <= 0)
        {
            return 0;
        }

        if (movesLeftAfterThisPlan == 0)
        {
            return crashesLeft;
        }

        var plansLeft = 1 + (movesLeftAfterThisPlan / 1.5);
        var share = crashesLeft / plansLeft;
#pragma warning disable CA5394
        return Math.Min(crashesLeft, (int)share + (_random.NextDouble() < share - Math.Floor(share) ? 1 : 0));
#pragma warning restore CA5394
    }

    /// <summary>
    /// Runs the plan with an executor that crashes at a random call when <paramref name="crashes"/> is positive, then
    /// replaces each dead executor with a new one on the same journal file and store, which recovers (and may itself be
    /// killed, while crashes remain). Returns the crashes that happened.
    /// </summary>
    private async Task<int> ExecuteWithCrashesAsync(ShardingPlan plan, RoutingTable routing, RocksDbCluster cluster, ExecutorOptions options, int crashes, CancellationToken cancellationToken)
    {
        var happened = 0;
        var recovering = false;
        while (true)
        {
            var crashThisRun = happened < crashes;
            var expected = recovering ? _recoveryCalls : ExpectedCalls(plan, options.ChunkBytes);
            var crashSwitch = crashThisRun ? new CrashSwitch(PickCrashCall(expected)) : CrashSwitch.Never();
            var journal = await FileMoveJournal.OpenAsync(options.JournalPath!, ClusterId, cancellationToken).ConfigureAwait(false);
            try
            {
                // A crash also loses the journal records appended without a sync since the last synced one, as a crash of the
                // machine may: the harsher case, which recovery must survive by redoing work.
                var executor = new ShardingExecutor(routing, new CrashingDataMover(cluster, crashSwitch), new CrashingMoveJournal(journal, crashSwitch, loseUnsyncedRecords: true), options);
                await using (executor.ConfigureAwait(false))
                {
                    try
                    {
                        if (recovering)
                        {
                            var recovery = await executor.RecoverAsync(cancellationToken).ConfigureAwait(false);
                            _resumedMoves.UnionWith(recovery.Actions.Where(a => a.ResumedFromCheckpoint).Select(a => a.ActionId));
                        }
                        else
                        {
                            await executor.ExecuteAsync(plan, progress: null, cancellationToken).ConfigureAwait(false);
                        }
                    }
                    catch (SimulatedCrashException)
                    {
                        happened++;
                        _crashes++;
                        _log.WriteLine($"executor killed at {crashSwitch.CrashedAt}; a new one recovers from the journal");
                        recovering = true;
                        continue;
                    }
                }
            }
            finally
            {
                // The dead process's file handle goes with it; the next executor opens the journal afresh.
                await journal.DisposeAsync().ConfigureAwait(false);
            }

            if (recovering && !crashSwitch.HasCrashed)
            {
                _recoveryCalls = Math.Max(4, crashSwitch.Calls);
            }

            // A run that finished before its crash point leaves that crash to the next plan.
            return happened;
        }
    }

    /// <summary>About how many mover and journal calls the plan makes: a read and a write per chunk of each move, plus the rest.</summary>
    private static long ExpectedCalls(ShardingPlan plan, int chunkBytes) =>
        plan.Actions.Sum(a => a is MoveAction move ? (2 * ((move.Bytes / chunkBytes) + 1)) + CallsPerMoveBesidesCopy : 4);

    /// <summary>A call to crash at: uniform over the run, or (one time in three) in its last 40%, where cut-over and publish are.</summary>
    private long PickCrashCall(long expectedCalls)
    {
#pragma warning disable CA5394
        var calls = Math.Max(2, expectedCalls);
        return _random.Next(3) == 0
            ? _random.NextInt64((long)(calls * 0.6), calls) + 1
            : _random.NextInt64(1, calls + 1);
#pragma warning restore CA5394
    }

    /// <summary>
    /// Lost writes: keys whose value on the owner the final routing names carries an older version than the last
    /// acknowledged write (a missing value counts as older). Returns the lost count and the keys checked.
    /// </summary>
    private static (long Lost, long Verified) CheckAcknowledgedWrites(RocksDbCluster cluster, RoutingMap routing, MoveCheckKeySpace keys, MoveCheckWorkload workload)
    {
        long lost = 0;
        for (var i = 0; i < keys.Count; i++)
        {
            var owner = routing.Route(keys.Keys[i]).Node;
            var read = cluster.Node(owner).Get(keys.Keys[i]);
            var version = read.Value is { } value ? MoveCheckKeySpace.VersionOf(i, value.Span) : -1;
            if (read.Status != StoreStatus.Ok || version < workload.Acknowledged[i])
            {
                lost++;
            }
        }

        return (lost, keys.Count);
    }

    /// <summary>Keys a node holds although the final routing gives them to another node: a copy a move left behind.</summary>
    private static async Task<long> CountCopiesOffTheirOwnerAsync(RocksDbCluster cluster, RoutingMap routing, CancellationToken cancellationToken)
    {
        long orphans = 0;
        foreach (var node in cluster.Nodes)
        {
            var from = ShardKey.Empty;
            while (true)
            {
                var chunk = await cluster.ReadChunkAsync(node, KeyRange.Full, from, 1 << 20, cancellationToken).ConfigureAwait(false);
                foreach (var entry in chunk.Entries)
                {
                    if (routing.Route(entry.Key).Node != node)
                    {
                        orphans++;
                    }
                }

                if (chunk.ResumeFrom is not { } next)
                {
                    break;
                }

                from = next;
            }
        }

        return orphans;
    }

    /// <summary>Pairs of routes of one published version that share a key (a RoutingMap refuses them, so this stays 0).</summary>
    private static long CountOverlaps(RoutingMap map)
    {
        long overlaps = 0;
        var routes = map.Routes;
        for (var i = 1; i < routes.Count; i++)
        {
            if (routes[i - 1].Range.Overlaps(routes[i].Range))
            {
                overlaps++;
            }
        }

        return overlaps;
    }
}
