using System.Diagnostics.Metrics;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using PredictiveSharding.Executing;
using PredictiveSharding.Keys;
using PredictiveSharding.Planning;
using PredictiveSharding.Redis.Cluster;
using PredictiveSharding.Redis.Diagnostics;
using PredictiveSharding.Redis.Migration.Journal;
using PredictiveSharding.Redis.Slots;
using PredictiveSharding.Routing;
using PredictiveSharding.Topology;
using StackExchange.Redis;

namespace PredictiveSharding.Redis.Migration;

/// <summary>
/// Carries a sharding plan out on a Redis Cluster with the cluster's own resharding protocol. A split or merge only
/// redraws partition boundaries in the routing map (Redis knows slots, not partitions); a move migrates each slot of the
/// partition to the target master (<c>SETSLOT IMPORTING/MIGRATING</c>, <c>GETKEYSINSLOT</c> + <c>MIGRATE … KEYS</c> in
/// throttled batches, <c>SETSLOT NODE</c> on every master) and then publishes the new owner in the routing map. Clients
/// follow ASK redirects during the move and MOVED after it.
/// </summary>
/// <remarks>
/// <para>
/// This implements <see cref="IPlanExecutor"/> rather than Core's <c>IDataMover</c>: that seam copies a range while the
/// source keeps serving and catches up from a sequenced change feed under a write fence, whereas Redis moves each key
/// atomically (<c>MIGRATE</c> deletes it on the source once the target has it) and keeps serving through ASK redirects,
/// with no change feed or write sequence to offer. The cluster's protocol is the safe way to move Redis data.
/// </para>
/// <para>
/// Crash safety: a journal file records each move (slots, source, target, direction) before it starts; the cluster's own
/// slot states (owner, migrating, importing) say how far each slot got. <see cref="RecoverAsync(CancellationToken)"/> (also run at the
/// start of every <see cref="ExecuteAsync(ShardingPlan, IProgress{PlanExecutionProgress}, CancellationToken)"/>) finishes or undoes, per <see cref="RedisMigrationOptions.Recovery"/>, any
/// move a crash left open. A move that fails (a node refuses or is unreachable) is rolled back: the slot in flight is
/// closed with its keys back on the source and the slots already handed over are migrated back. When a node is down that
/// cannot be done; the move is then reported with the state the cluster was left in and stays in the journal until a
/// recovery finds both masters reachable. The journal is emptied at the end of each plan and recovery that leaves no
/// move open; when that fails (a full disk, a permission), the run's result stands: the failure is logged (event 6016)
/// and counted (<c>psharding.redis.journal.compaction_failures</c>), the journal keeps its records, and the next plan or
/// recovery empties it.
/// </para>
/// <para>Moves run one at a time: each slot's migration keeps the source and target busy, and one at a time keeps the
/// journal and the cluster's open slots easy to reason about after a crash.</para>
/// </remarks>
public sealed class RedisSlotMigrationExecutor : IPlanExecutor, IDisposable
{
    private readonly RedisClusterAdmin _admin;
    private readonly IRoutingTable _routing;
    private readonly RedisMigrationOptions _options;
    private readonly MigrationJournal _journal;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly RedisShardingMetrics _metrics;
    private readonly SemaphoreSlim _oneAtATime = new(1, 1);
    private volatile bool _disposed;
    private long _moveCounter;

    /// <summary>
    /// True after emptying the journal failed: the next recovery empties it even when it finds no open move (a plan's end
    /// always tries). Read and written only by the run holding <see cref="_oneAtATime"/>.
    /// </summary>
    private bool _compactionOwed;

    /// <summary>Creates the executor.</summary>
    /// <param name="connection">A multiplexer connected to the cluster, created with admin commands allowed (<c>allowAdmin=true</c>). On a cluster that requires a password, <c>MIGRATE</c> authenticates to the target with the user and password this connection was configured with.</param>
    /// <param name="routing">The host's routing table, whose partitions are slot ranges (see <see cref="RedisSlotRouting"/>); the executor publishes splits, merges and moves to it.</param>
    /// <param name="options">Settings; copied and validated here, so changing them afterwards does not affect this executor.</param>
    /// <param name="timeProvider">Clock for retries and the throttle.</param>
    /// <param name="logger">Logger.</param>
    /// <param name="meterFactory">Creates the <c>PredictiveSharding.Redis</c> meter.</param>
    /// <exception cref="ArgumentException">An option is invalid.</exception>
    public RedisSlotMigrationExecutor(IConnectionMultiplexer connection, IRoutingTable routing, RedisMigrationOptions options, TimeProvider? timeProvider = null, ILogger<RedisSlotMigrationExecutor>? logger = null, IMeterFactory? meterFactory = null)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(routing);
        ArgumentNullException.ThrowIfNull(options);

        // A copy, validated: the settings are read at every move and recovery, and a change to the caller's object
        // afterwards (unvalidated: 0 attempts, 0 keys per batch) must not reach them.
        options = options.Copy();
        options.Validate();
        _admin = new RedisClusterAdmin(connection);
        _routing = routing;
        _options = options;
        _journal = new MigrationJournal(options.JournalPath);
        _time = timeProvider ?? TimeProvider.System;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _metrics = new RedisShardingMetrics(meterFactory);
    }

    /// <summary>Reports of the moves completed by the last <see cref="ExecuteAsync(ShardingPlan, IProgress{PlanExecutionProgress}, CancellationToken)"/>, in order.</summary>
    public IReadOnlyList<SlotMoveReport> LastMoves { get; private set; } = [];

    /// <summary>Called at each step boundary of each slot (tests inject faults here).</summary>
    internal Func<MigrationStep, int, CancellationToken, ValueTask>? StepHook { get; set; }

    /// <summary>Called before the journal is emptied (tests inject a failing compaction here).</summary>
    internal Action? JournalCompactionHook
    {
        get => _journal.BeforeCompact;
        set => _journal.BeforeCompact = value;
    }

    /// <inheritdoc />
    /// <exception cref="ArgumentException">The plan names a partition that is not in the routing map (and not created by an earlier split of the plan), a node that is not a master of the cluster, a move whose source is not the partition's owner, or the same partition twice; nothing was changed.</exception>
    /// <exception cref="InvalidOperationException">No master of the cluster answered <c>CLUSTER NODES</c>, or another executor (in this process or another) is running on the same journal file; nothing was changed.</exception>
    /// <exception cref="InvalidDataException">The journal file is damaged (a line before the last is not a whole record, or a move's record lacks its partition, masters or slots); the message names the file and line. Nothing was changed.</exception>
    /// <exception cref="OperationCanceledException">Cancelled; a slot in flight is left open and the move stays in the journal, so <see cref="RecoverAsync"/> (or the next call) finishes or undoes it per <see cref="RedisMigrationOptions.Recovery"/>. A move that had failed and was being rolled back when cancelled (the message says so and names the failure) is rolled back by it whatever the policy.</exception>
    public Task<PlanExecutionSummary> ExecuteAsync(ShardingPlan plan, CancellationToken cancellationToken) =>
        ExecuteAsync(plan, progress: null, cancellationToken);

    /// <inheritdoc />
    /// <remarks>
    /// Reports after each slot a move hands over and after each action ends. Redis reports keys, not bytes, so the bytes
    /// copied are the plan's bytes for the finished moves plus the running move's bytes × the share of its slots handed
    /// over.
    /// </remarks>
    /// <exception cref="ArgumentException">The plan names a partition that is not in the routing map (and not created by an earlier split of the plan), a node that is not a master of the cluster, a move whose source is not the partition's owner, or the same partition twice; nothing was changed.</exception>
    /// <exception cref="InvalidOperationException">No master of the cluster answered <c>CLUSTER NODES</c>, or another executor (in this process or another) is running on the same journal file; nothing was changed.</exception>
    /// <exception cref="InvalidDataException">The journal file is damaged (a line before the last is not a whole record, or a move's record lacks its partition, masters or slots); the message names the file and line. Nothing was changed.</exception>
    /// <exception cref="OperationCanceledException">Cancelled; a slot in flight is left open and the move stays in the journal, so <see cref="RecoverAsync"/> (or the next call) finishes or undoes it per <see cref="RedisMigrationOptions.Recovery"/>. A move that had failed and was being rolled back when cancelled (the message says so and names the failure) is rolled back by it whatever the policy.</exception>
    public async Task<PlanExecutionSummary> ExecuteAsync(ShardingPlan plan, IProgress<PlanExecutionProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ObjectDisposedException.ThrowIf(_disposed, this);
        await _oneAtATime.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // A caller that waited behind a run the executor was disposed under does not start another.
            ObjectDisposedException.ThrowIf(_disposed, this);
            using var journalHeld = _journal.Acquire();
            var view = await _admin.ReadViewAsync(cancellationToken).ConfigureAwait(false);
            Validate(plan, view);

            var recovery = await RecoverCoreAsync(cancellationToken).ConfigureAwait(false);
            if (!recovery.IsClean)
            {
                var reason = "an earlier move is unfinished: " + string.Join("; ", recovery.Unfinished);
                return new PlanExecutionSummary(0, plan.Actions.Count, 0, [.. plan.Actions.Select(a => Describe(a) + " refused: " + reason)])
                {
                    Actions = [.. plan.Actions.Select(a => new PlanActionResult(a, PlanActionStatus.Skipped, "refused: " + reason))],
                };
            }

            long bytes = 0;
            var errors = new List<string>();
            var results = new List<PlanActionResult>(plan.Actions.Count);
            var reports = new List<SlotMoveReport>();
            var finished = 0;
            try
            {
                foreach (var action in plan.Actions)
                {
                    var partition = action switch
                    {
                        SplitAction split => split.Partition,
                        MergeAction merge => merge.Merged,
                        MoveAction move => move.Shard,
                        _ => default,
                    };
                    try
                    {
                        switch (action)
                        {
                            case SplitAction split:
                                Split(split);
                                break;
                            case MergeAction merge:
                                ApplyRouting(new MergeChange(merge.Left, merge.Right, merge.Merged));
                                break;
                            case MoveAction move:
                                var before = bytes;
                                var running = progress is null
                                    ? null
                                    : new Action<double>(share => progress.Report(new PlanExecutionProgress(move.Shard, plan.Actions.Count, finished, before + (long)(move.Bytes * share), plan.MovedBytes)));
                                reports.Add(await MoveAsync(move, running, cancellationToken).ConfigureAwait(false));
                                bytes += move.Bytes;
                                break;
                            default:
                                throw new ArgumentException($"Unknown action type '{action.GetType().Name}'.", nameof(plan));
                        }

                        results.Add(new PlanActionResult(action, PlanActionStatus.Completed));
                    }
                    catch (Exception e) when (e is RedisMigrationException or ArgumentException or KeyNotFoundException)
                    {
                        errors.Add(Describe(action) + ": " + e.Message);
                        results.Add(new PlanActionResult(action, e is RedisMigrationException { LeftInJournal: true } ? PlanActionStatus.RollbackPending : PlanActionStatus.RolledBack, e.Message));
                        RedisShardingLog.ActionRefused(_logger, errors[^1]);
                    }

                    finished++;
                    progress?.Report(new PlanExecutionProgress(partition, plan.Actions.Count, finished, bytes, plan.MovedBytes));
                }
            }
            catch (Exception e) when (results.Count > 0 && !e.Data.Contains(PlanExecutionSummary.ExceptionDataKey))
            {
                // Something this loop does not turn into a refusal (a crash, a cancellation, a lost connection) escapes
                // after actions that ended: a completed move is in force and its bytes were moved, so the caller gets their
                // summary to meter and log (the control loop reads it under the Core's key).
                LastMoves = reports;
                e.Data[PlanExecutionSummary.ExceptionDataKey] = Summarize(results, bytes, errors);
                throw;
            }

            LastMoves = reports;
            CompactJournal("plan");
            // Every action that did not take effect was refused or rolled back (RollbackPending included): none is skipped here.
            return Summarize(results, bytes, errors);
        }
        finally
        {
            _oneAtATime.Release();
        }
    }

    /// <summary>The summary of the actions that ended: every one that did not take effect was refused or rolled back (RollbackPending included); none is skipped here.</summary>
    private static PlanExecutionSummary Summarize(List<PlanActionResult> results, long bytes, List<string> errors)
    {
        var completed = results.Count(r => r.TookEffect);
        return new PlanExecutionSummary(completed, results.Count - completed, bytes, [.. errors]) { Actions = [.. results] };
    }

    /// <summary>
    /// Finishes or undoes (per <see cref="RedisMigrationOptions.Recovery"/>) every move the journal holds as unfinished,
    /// and publishes the outcome in the routing map when the map still has the partition with the same slots.
    /// </summary>
    /// <exception cref="OperationCanceledException">Cancelled; every move not yet finished or undone stays in the journal for the next recovery.</exception>
    /// <exception cref="InvalidOperationException">Another executor (in this process or another) is running on the same journal file; nothing was read or changed.</exception>
    /// <exception cref="InvalidDataException">The journal file is damaged (a line before the last is not a whole record, or a move's record lacks its partition, masters or slots); the message names the file and line. Nothing was changed.</exception>
    public async Task<RecoveryReport> RecoverAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        await _oneAtATime.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // A caller that waited behind a run the executor was disposed under does not start another.
            ObjectDisposedException.ThrowIf(_disposed, this);
            using var journalHeld = _journal.Acquire();
            return await RecoverCoreAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _oneAtATime.Release();
        }
    }

    /// <summary>
    /// Drops the unfinished move of <paramref name="partition"/> from the journal without changing the cluster: for a move
    /// that recovery can neither finish nor undo because another tool (an operator's <c>redis-cli --cluster reshard</c> or
    /// <c>fix</c>) has since moved or settled its slots, so that every recovery reports it unfinished and every plan is
    /// refused. Logged (event 6018).
    /// </summary>
    /// <remarks>
    /// Refused, with nothing changed, unless the cluster shows that dropping the move strands nothing: the move's source
    /// and target both answer, no slot of the move is open (MIGRATING or IMPORTING) on either (a recovery, or
    /// <c>redis-cli --cluster fix</c>, closes it first), and neither holds a key of a slot of the move that it does not
    /// serve (clients cannot reach such a key; <c>redis-cli --cluster fix</c> moves it to the slot's owner). When every slot
    /// of the move is then served by one master and the routing map still has the partition with exactly those slots, that
    /// master is published as its owner; otherwise the routing map is left as it is (rebuild it from the cluster with
    /// <see cref="RedisSlotRouting"/>).
    /// </remarks>
    /// <param name="partition">The partition of the move, as <see cref="RecoveryReport.Unfinished"/> names it.</param>
    /// <param name="cancellationToken">Cancels the checks; the journal is changed only after them.</param>
    /// <exception cref="ArgumentException"><paramref name="partition"/> is empty, or the journal holds no unfinished move of it (the message names those it holds).</exception>
    /// <exception cref="InvalidOperationException">Dropping the move would strand a slot or keys (the message names the slot, the master and what to do), a master of the move does not answer, or another executor is running on the same journal file. Nothing was changed.</exception>
    public async Task AbandonMoveAsync(string partition, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(partition);
        ObjectDisposedException.ThrowIf(_disposed, this);
        await _oneAtATime.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            using var journalHeld = _journal.Acquire();
            var open = _journal.OpenMoves();
            var moves = open.Where(m => m.Partition.Value == partition).ToList();
            if (moves.Count == 0)
            {
                throw new ArgumentException(
                    $"The migration journal '{_journal.FilePath}' holds no unfinished move of partition '{partition}' (it holds {(open.Count == 0 ? "none" : string.Join(", ", open.Select(m => $"'{m.Partition}' ({m.From} -> {m.To})")))}).",
                    nameof(partition));
            }

            ClusterView view;
            try
            {
                view = await _admin.ReadViewAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is RedisException or FormatException)
            {
                throw new InvalidOperationException($"The move of '{partition}' was not abandoned: the cluster could not be read ({e.Message}), so it could not be checked that dropping the move strands nothing.", e);
            }

            var owners = new List<SortedSet<string>>();
            foreach (var move in moves)
            {
                owners.Add(await CheckAbandonableAsync(move, view, cancellationToken).ConfigureAwait(false));
            }

            for (var i = 0; i < moves.Count; i++)
            {
                var move = moves[i];
                var servedBy = string.Join(", ", owners[i]);
                _journal.Append(new JournalRecord(JournalRecord.End, move.Id, Note: "abandoned; slots served by " + servedBy));
                RedisShardingLog.MoveAbandoned(_logger, move.Id, move.Partition.Value, move.Slots.ToString(), move.From, move.To, servedBy);
                var map = _routing.Current;
                if (owners[i].Count == 1
                    && !owners[i].Contains(NoMaster)
                    && map.Contains(move.Partition)
                    && map.Get(move.Partition) is var route
                    && HashSlotRange.FromKeyRange(route.Range) == move.Slots
                    && route.Node.Value != servedBy)
                {
                    // One master serves every slot of the move: servedBy is its address.
                    ApplyRouting(new MoveChange(move.Partition, new NodeId(servedBy)));
                }
            }

            CompactJournal("move abandonment");
        }
        finally
        {
            _oneAtATime.Release();
        }
    }

    /// <summary>
    /// Throws unless dropping <paramref name="move"/> from the journal strands nothing (see <see cref="AbandonMoveAsync"/>);
    /// returns who serves its slots (<see cref="NoMaster"/> for a slot no master serves).
    /// </summary>
    private async Task<SortedSet<string>> CheckAbandonableAsync(JournalMove move, ClusterView view, CancellationToken cancellationToken)
    {
        var what = $"The move of '{move.Partition}' (slots {move.Slots}) from '{move.From}' to '{move.To}' was not abandoned";
        foreach (var address in new[] { move.From, move.To })
        {
            if (!view.Self.ContainsKey(address) || view.Unreachable.Contains(address))
            {
                throw new InvalidOperationException($"{what}: master '{address}' does not answer, so it cannot be checked for open slots or keys of the move. Abandon it once it answers.");
            }
        }

        var servedBy = new SortedSet<string>(StringComparer.Ordinal);
        for (var slot = move.Slots.Start; slot < move.Slots.End; slot++)
        {
            var owner = view.OwnerOf(slot)?.Address;
            servedBy.Add(owner ?? NoMaster);
            foreach (var address in new[] { move.From, move.To })
            {
                var line = view.Self[address];
                var mark = line.Migrating.TryGetValue(slot, out var to) ? "MIGRATING to " + (view.ById(to)?.Address ?? to)
                    : line.Importing.TryGetValue(slot, out var from) ? "IMPORTING from " + (view.ById(from)?.Address ?? from)
                    : null;
                if (mark is not null)
                {
                    throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture, $"{what}: slot {slot} is still open on '{address}' ({mark}); dropping the move would leave it so. Recover the move (RecoverAsync), or close the slot (redis-cli --cluster fix), first."));
                }

                if (owner != address)
                {
                    long keys;
                    try
                    {
                        keys = await _admin.CountKeysInSlotAsync(address, slot, cancellationToken).ConfigureAwait(false);
                    }
                    catch (Exception e) when (RedisClusterAdmin.IsUnreachable(e) || e is RedisServerException)
                    {
                        throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture, $"{what}: '{address}' could not be asked whether it holds keys of slot {slot} ({e.Message}). Abandon it once it answers."), e);
                    }

                    if (keys > 0)
                    {
                        throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture, $"{what}: '{address}' holds {keys} key(s) of slot {slot}, which {(owner is null ? "no master serves" : "'" + owner + "' serves")}; clients cannot reach them there. Move them to the slot's owner (redis-cli --cluster fix) first."));
                    }
                }
            }
        }

        return servedBy;
    }

    /// <summary>How the log and the journal name the owner of a slot no master serves.</summary>
    private const string NoMaster = "no master";

    /// <inheritdoc />
    /// <remarks>
    /// A run still going finishes; callers waiting behind it get an <see cref="ObjectDisposedException"/>. The semaphore is
    /// deliberately not disposed: disposed under a running call, that call's release threw and a waiting caller hung for
    /// good (a <see cref="SemaphoreSlim"/> holds no unmanaged handle unless its wait handle is asked for, which this one's never is).
    /// </remarks>
    public void Dispose()
    {
        _disposed = true;
        _metrics.Dispose();
    }

    private void Validate(ShardingPlan plan, ClusterView view)
    {
        // Dry-run the routing changes on a copy of the map: unknown ids, bad split keys and merges across nodes surface
        // here, before anything changes.
        var scratch = _routing.Current;
        var moved = new HashSet<PartitionId>();
        foreach (var action in plan.Actions)
        {
            switch (action)
            {
                case SplitAction split:
                    scratch = scratch.Apply(new SplitChange(split.Partition, split.SplitKeys, split.NewPartitions));
                    break;
                case MergeAction merge:
                    scratch = scratch.Apply(new MergeChange(merge.Left, merge.Right, merge.Merged));
                    break;
                case MoveAction move:
                    if (!scratch.Contains(move.Shard))
                    {
                        throw new ArgumentException($"The plan moves partition '{move.Shard}', which is not in routing version {_routing.Current.Version} nor created by an earlier split of the plan.", nameof(plan));
                    }

                    if (!moved.Add(move.Shard))
                    {
                        throw new ArgumentException($"The plan moves partition '{move.Shard}' more than once.", nameof(plan));
                    }

                    var owner = scratch.Get(move.Shard).Node;
                    if (owner != move.From)
                    {
                        throw new ArgumentException($"The plan moves partition '{move.Shard}' from '{move.From}', but it is on '{owner}'.", nameof(plan));
                    }

                    foreach (var node in new[] { move.From, move.To })
                    {
                        if (view.ByAddress(node.Value) is null)
                        {
                            throw new ArgumentException($"The plan names node '{node}', which is not a master of the cluster (masters: {string.Join(", ", view.Masters.Select(m => m.Address))}).", nameof(plan));
                        }
                    }

                    break;
            }
        }
    }

    private void Split(SplitAction split)
    {
        // Redis places slots, not keys: each split key becomes the slot boundary at or after it. The recorder samples
        // slot keys, so the planner's keys are boundaries already; any other key is rounded up.
        var route = _routing.Current.Get(split.Partition);
        var slots = HashSlotRange.FromKeyRange(route.Range);
        var keys = new List<ShardKey>(split.SplitKeys.Count);
        var previous = slots.Start;
        foreach (var key in split.SplitKeys)
        {
            var boundary = HashSlot.CeilingSlot(key);
            if (boundary <= previous || boundary >= slots.End)
            {
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"Split key '{key}' of partition '{split.Partition}' (slots {slots}) falls on slot boundary {boundary}, which does not cut the range into non-empty slot ranges; a partition is split at whole slots."), nameof(split));
            }

            keys.Add(HashSlot.ToKey(boundary));
            previous = boundary;
        }

        ApplyRouting(new SplitChange(split.Partition, keys, split.NewPartitions));
    }

    /// <param name="move">The move.</param>
    /// <param name="handedOver">Called after each slot is handed over with the share of the move's slots handed over so far (null: not reported).</param>
    /// <param name="cancellationToken">Cancels the move between steps.</param>
    private async Task<SlotMoveReport> MoveAsync(MoveAction move, Action<double>? handedOver, CancellationToken cancellationToken)
    {
        var route = _routing.Current.Get(move.Shard);
        if (route.Node != move.From)
        {
            throw new ArgumentException($"Partition '{move.Shard}' is on '{route.Node}', not '{move.From}' as the plan says.", nameof(move));
        }

        var slots = HashSlotRange.FromKeyRange(route.Range);
        ClusterView view;
        try
        {
            view = await _admin.ReadViewAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is InvalidOperationException or RedisException or FormatException)
        {
            // Earlier actions of the plan may have taken effect: the failure is this action's, reported with the others,
            // not thrown out of ExecuteAsync as though nothing had changed.
            throw new RedisMigrationException($"Move of '{move.Shard}' from '{move.From}' to '{move.To}' not started: the cluster could not be read ({e.Message}). Nothing was marked or moved.", e);
        }

        var endpoints = Endpoints(view, move.From.Value, move.To.Value);
        for (var slot = slots.Start; slot < slots.End; slot++)
        {
            var owner = view.OwnerOf(slot)?.Address;
            if (owner != move.From.Value)
            {
                throw new RedisMigrationException(string.Create(CultureInfo.InvariantCulture, $"Slot {slot} of partition '{move.Shard}' is served by '{owner ?? "no master"}', not '{move.From}'; the cluster was resharded outside the routing map. Nothing was moved.")) { Slot = slot };
            }
        }

        // The plan may have been made while both masters were healthy; checked here, on the view just read, so that a move
        // to or from a master that has failed since is refused before anything is marked (it would fail part way, and with
        // a master down its roll-back could not finish either, leaving the move in the journal and every later plan
        // refused; a source flagged failing may also lose its slots to a replica's failover mid-move).
        CheckHealthy(view, move, "source", endpoints.Source);
        CheckHealthy(view, move, "target", endpoints.Target);
        CheckNoOtherMigration(view, move, endpoints, slots);

        var id = string.Create(CultureInfo.InvariantCulture, $"{_time.GetUtcNow().UtcTicks:x}-{Interlocked.Increment(ref _moveCounter)}");
        _journal.Append(new JournalRecord(JournalRecord.Begin, id, move.Shard.Value, move.From.Value, move.To.Value, slots.Start, slots.End));
        RedisShardingLog.MoveStarted(_logger, move.Shard.Value, slots.ToString(), move.From.Value, move.To.Value);
        var mover = CreateMover();
        var tally = new MoveTally();
        var masters = LiveMasters(view);
        var slot0 = slots.Start;
        var current = slot0;
        try
        {
            for (; current < slots.End; current++)
            {
                await mover.MoveSlotAsync(endpoints, current, masters, resumeFrom: null, tally, cancellationToken).ConfigureAwait(false);
                handedOver?.Invoke((double)(current + 1 - slot0) / (slots.End - slot0));
            }
        }
        catch (Exception e) when (e is not RedisMigrationException && SlotMover.IsTransient(e) && cancellationToken.IsCancellationRequested)
        {
            // Retrying stops once cancellation is requested and lets a transient error (a dropped connection, a timeout)
            // through: the move was cancelled, not refused. Nothing is rolled back, so no roll-back is journalled; the
            // journal holds the move as begun and the next recovery finishes or undoes it per RedisMigrationOptions.Recovery.
            // (Taken for a failure, it journalled a roll-back that the cancelled token then stopped at once, so the next
            // recovery rolled the move back even under Resume; a timeout, not a RedisException, escaped raw.)
            throw new OperationCanceledException(string.Create(CultureInfo.InvariantCulture, $"Move of '{move.Shard}' from '{move.From}' to '{move.To}' was cancelled at slot {current} (a command failed as it was cancelled: {e.Message}); it stays in the journal and the next recovery finishes or undoes it per RedisMigrationOptions.Recovery ({_options.Recovery})."), e, cancellationToken);
        }
        catch (Exception e) when (e is RedisMigrationException or RedisException or RedisTimeoutException)
        {
            var failure = e as RedisMigrationException ?? new RedisMigrationException(string.Create(CultureInfo.InvariantCulture, $"Slot {current} refused a step: {e.Message}"), e) { Slot = current };
            _metrics.MovesRolledBack.Add(1);
            RedisShardingLog.MoveFailed(_logger, move.Shard.Value, failure.Message, failure);
            throw await RollBackAsync(id, move, endpoints, new HashSlotRange(slot0, current), current < slots.End ? current : -1, masters, tally, failure, cancellationToken).ConfigureAwait(false);
        }

        _journal.Append(new JournalRecord(JournalRecord.End, id, Note: "completed"));
        ApplyRouting(new MoveChange(move.Shard, move.To));
        _metrics.MovesCompleted.Add(1);
        RedisShardingLog.MoveCompleted(_logger, move.Shard.Value, move.To.Value, tally.KeysMigrated, tally.Slots, tally.Retries, tally.SampleMismatches, tally.SampledKeys);
        return new SlotMoveReport(move.Shard.Value, move.From.Value, move.To.Value, tally.Slots, tally.KeysMigrated, tally.TargetKeys, tally.SampledKeys, tally.SampleMismatches, tally.Retries, tally.StaleKeysReplaced);
    }

    /// <summary>
    /// Throws, before a move starts, when <paramref name="address"/> (its source or target) is flagged <c>fail</c>,
    /// <c>fail?</c>, <c>noaddr</c> or <c>handshake</c> by the master that listed the cluster, or did not answer its own
    /// <c>CLUSTER NODES</c> in this view.
    /// </summary>
    private static void CheckHealthy(ClusterView view, MoveAction move, string role, string address)
    {
        if (Unhealthy(view, address) is { } state)
        {
            throw new RedisMigrationException($"Move of '{move.Shard}' from '{move.From}' to '{move.To}' not started: the {role} '{address}' {state}. Nothing was marked or moved; plan again once it is healthy.")
            {
                UnreachableNode = address,
            };
        }
    }

    /// <summary>What is wrong with <paramref name="address"/> as a move's source or target in <paramref name="view"/>, or null when nothing is.</summary>
    private static string? Unhealthy(ClusterView view, string address)
    {
        var line = view.ByAddress(address);
        return line is null ? "is not a master of the cluster"
            : line.IsFailing ? $"is flagged '{string.Join(',', line.Flags.Where(f => f is not ("master" or "myself")).Order(StringComparer.Ordinal))}' in CLUSTER NODES"
            : view.Unreachable.Contains(address) || !view.Self.ContainsKey(address) ? "does not answer"
            : null;
    }

    /// <summary>
    /// Throws, before a move starts, when a slot of it is open (migrating or importing) between other masters than its
    /// source and target: another tool (an operator's <c>redis-cli --cluster reshard</c>) is moving it. Opening it for this
    /// move would re-point the source's MIGRATING mark at the target, so the keys already moved to the other master would no
    /// longer be reached by ASK, and would stay there, hidden, once the slot was handed over. Marks between the source and
    /// the target themselves are this protocol's own (a stale one is closed by the hand-over).
    /// </summary>
    private static void CheckNoOtherMigration(ClusterView view, MoveAction move, MoveEndpoints endpoints, HashSlotRange slots)
    {
        foreach (var (address, line) in view.Self)
        {
            foreach (var (slot, peer, direction) in line.Migrating.Select(m => (m.Key, m.Value, "migrating to")).Concat(line.Importing.Select(i => (i.Key, i.Value, "importing from"))))
            {
                var ours = (address == endpoints.Source && peer == endpoints.TargetId) || (address == endpoints.Target && peer == endpoints.SourceId);
                if (slots.Contains(slot) && !ours)
                {
                    var peerAddress = view.ById(peer)?.Address ?? peer;
                    throw new RedisMigrationException(string.Create(CultureInfo.InvariantCulture, $"Move of '{move.Shard}' from '{move.From}' to '{move.To}' not started: slot {slot} is open on '{address}', {direction} '{peerAddress}', a migration this executor did not start. Nothing was marked or moved; finish or undo that migration (e.g. redis-cli --cluster fix), then plan again."))
                    {
                        Slot = slot,
                    };
                }
            }
        }
    }

    /// <summary>
    /// Undoes a failed move. Its roll-back is journalled before the first step: once a slot has started going back, only
    /// rolling back handles its state (resuming forward would hand over a slot with keys already back on the source). So a
    /// roll-back a crash or a cancellation stops is finished by the next recovery whatever the recovery policy; a
    /// cancellation throws an <see cref="OperationCanceledException"/> that says so and names the failure.
    /// </summary>
    private async Task<RedisMigrationException> RollBackAsync(string id, MoveAction move, MoveEndpoints endpoints, HashSlotRange handedOver, int inFlight, IReadOnlyList<string> masters, MoveTally tally, RedisMigrationException failure, CancellationToken cancellationToken)
    {
        try
        {
            return await RollBackCoreAsync(id, move, endpoints, handedOver, inFlight, masters, tally, failure, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (cancellationToken.IsCancellationRequested && (e is OperationCanceledException || SlotMover.IsTransient(e)))
        {
            // A transient error let through because retrying stopped for the cancellation is the cancellation too.
            throw new OperationCanceledException($"Move of '{move.Shard}' from '{move.From}' to '{move.To}' failed ({failure.Message}) and its roll-back was cancelled; the journal holds it as rolling back, and the next recovery (RecoverAsync, run by every ExecuteAsync) finishes the roll-back whatever RedisMigrationOptions.Recovery says (stopped by: {e.Message}).", failure, cancellationToken);
        }
    }

    private async Task<RedisMigrationException> RollBackCoreAsync(string id, MoveAction move, MoveEndpoints endpoints, HashSlotRange handedOver, int inFlight, IReadOnlyList<string> masters, MoveTally tally, RedisMigrationException failure, CancellationToken cancellationToken)
    {
        _journal.Append(new JournalRecord(JournalRecord.RollBack, id, Note: failure.Message));
        var mover = CreateMover();
        var where = inFlight >= 0 ? string.Create(CultureInfo.InvariantCulture, $"at slot {inFlight}") : "after its last slot";
        if (inFlight >= 0 && await TargetOwnsAsync(endpoints.Target, inFlight, cancellationToken).ConfigureAwait(false))
        {
            // The slot failed after its hand-over (counting its keys on the target, confirming the claim): it is not open any
            // more but the target's, and goes back with the slots handed over before it. Aborting it as an open slot would
            // leave it on the target (no key: closed there) or fail (keys: the target refuses to import a slot it owns).
            handedOver = new HashSlotRange(handedOver.Start, inFlight + 1);
            inFlight = -1;
        }

        // Keys of the slot in flight the move put on the target: taken now, since the roll-back's own slot moves count
        // theirs in the same tally (a forward finish that fails at once would leave it at 0 and the slot closed over them).
        var movedInFlight = inFlight >= 0 ? tally.KeysInCurrentSlot : 0;
        var inFlightClosed = false;
        try
        {
            if (inFlight >= 0)
            {
                await mover.AbortSlotAsync(endpoints, inFlight, masters, tally, cancellationToken).ConfigureAwait(false);
                inFlightClosed = true;
            }

            var back = endpoints.Reversed();
            for (var slot = handedOver.End - 1; slot >= handedOver.Start; slot--)
            {
                await mover.MoveSlotAsync(back, slot, masters, resumeFrom: null, tally, cancellationToken).ConfigureAwait(false);
            }

            _journal.Append(new JournalRecord(JournalRecord.End, id, Note: "rolledBack"));
            return new RedisMigrationException($"Move of '{move.Shard}' from '{move.From}' to '{move.To}' failed {where} and was rolled back (every slot is on '{move.From}' again): {failure.Message}", failure)
            {
                UnreachableNode = failure.UnreachableNode,
                Slot = failure.Slot,
            };
        }
        catch (Exception e) when (e is RedisMigrationException or RedisException)
        {
            var rollbackFailure = e as RedisMigrationException ?? new RedisMigrationException(e.Message, e);
            // While the abort ran, the tally counted its keys of the slot in flight (forward, or back once finished forward).
            var state = inFlightClosed
                ? await LeaveConsistentAsync(endpoints, -1, 0, cancellationToken).ConfigureAwait(false)
                : await LeaveConsistentAsync(endpoints, inFlight, movedInFlight + tally.KeysInCurrentSlot, cancellationToken).ConfigureAwait(false);
            var down = failure.UnreachableNode ?? rollbackFailure.UnreachableNode;
            return new RedisMigrationException(
                string.Create(CultureInfo.InvariantCulture, $"Move of '{move.Shard}' from '{move.From}' to '{move.To}' failed {where}: {failure.Message} Rolling back failed too: {rollbackFailure.Message} State left: slots {handedOver} are served by '{move.To}'; {state} The move stays in the journal; RecoverAsync (run by every ExecuteAsync) rolls it back once both masters are reachable."),
                failure)
            {
                UnreachableNode = down,
                Slot = failure.Slot,
                LeftInJournal = true,
            };
        }
    }

    /// <summary>Whether <paramref name="target"/> lists <paramref name="slot"/> as its own; false when it does not answer.</summary>
    private async Task<bool> TargetOwnsAsync(string target, int slot, CancellationToken cancellationToken)
    {
        try
        {
            var own = (await _admin.NodesAsync(target, cancellationToken).ConfigureAwait(false)).FirstOrDefault(n => n.IsMyself);
            return own is not null && own.Owns(slot);
        }
        catch (Exception e) when (RedisClusterAdmin.IsUnreachable(e) || e is RedisServerException)
        {
            return false;
        }
    }

    /// <summary>
    /// When a master is down and the slot in flight cannot be closed properly: if no key of it left the source and the
    /// target (when it answers) holds none, close it on the source (it then serves the whole slot again); otherwise keep
    /// it open, so that reads of keys already on the target keep being redirected there rather than answered as missing.
    /// </summary>
    private async Task<string> LeaveConsistentAsync(MoveEndpoints endpoints, int inFlight, long keysMoved, CancellationToken cancellationToken)
    {
        if (inFlight < 0)
        {
            return "no slot is open.";
        }

        if (keysMoved == 0 && await _admin.IsReachableAsync(endpoints.Source, cancellationToken).ConfigureAwait(false))
        {
            try
            {
                // The move put no key there, but a client may have created one (the source sends a client asking for a key
                // it lacks to the target); a target that answers says so, and a slot with keys there stays open.
                var targetReachable = await _admin.IsReachableAsync(endpoints.Target, cancellationToken).ConfigureAwait(false);
                var onTarget = targetReachable ? await _admin.CountKeysInSlotAsync(endpoints.Target, inFlight, cancellationToken).ConfigureAwait(false) : 0;
                if (onTarget > 0)
                {
                    return string.Create(CultureInfo.InvariantCulture, $"slot {inFlight} stays MIGRATING on '{endpoints.Source}' with {onTarget} of its keys, created by clients, on '{endpoints.Target}', so reads of those keys are still redirected to them; the slots after it are on '{endpoints.Source}'.");
                }

                await _admin.SetSlotStableAsync(endpoints.Source, inFlight, cancellationToken).ConfigureAwait(false);
                if (targetReachable)
                {
                    await _admin.SetSlotStableAsync(endpoints.Target, inFlight, cancellationToken).ConfigureAwait(false);
                }

                return string.Create(CultureInfo.InvariantCulture, $"slot {inFlight} had not moved any key and was closed (STABLE) on '{endpoints.Source}', which serves it and the slots after it.");
            }
            catch (Exception e) when (RedisClusterAdmin.IsUnreachable(e) || e is RedisServerException)
            {
                return string.Create(CultureInfo.InvariantCulture, $"slot {inFlight} is still open (closing it failed: {e.Message}).");
            }
        }

        return string.Create(CultureInfo.InvariantCulture, $"slot {inFlight} stays MIGRATING on '{endpoints.Source}' with keys of it on '{endpoints.Target}' ({keysMoved} moved there by the move and its roll-back), so reads of those keys are still redirected to them; the slots after it are on '{endpoints.Source}'.");
    }

    private async Task<RecoveryReport> RecoverCoreAsync(CancellationToken cancellationToken)
    {
        var open = _journal.OpenMoves();
        if (open.Count == 0)
        {
            if (_compactionOwed)
            {
                CompactJournal("recovery");
            }

            return new RecoveryReport([], [], []);
        }

        var resumed = new List<string>();
        var rolledBack = new List<string>();
        var unfinished = new List<string>();
        foreach (var move in open)
        {
            var rollBack = move.RollingBack || _options.Recovery == RecoveryPolicy.RollBack;
            RedisShardingLog.Recovering(_logger, move.Id, move.Partition.Value, move.Slots.ToString(), move.From, move.To, rollBack ? "rolling back" : "resuming");
            var what = $"move of '{move.Partition}' (slots {move.Slots}) from '{move.From}' to '{move.To}'";
            try
            {
                await RecoverMoveAsync(move, rollBack, rollBackNote: null, cancellationToken).ConfigureAwait(false);
                (rollBack ? rolledBack : resumed).Add(move.Partition.Value);
            }
            catch (Exception e) when (e is not RedisMigrationException && SlotMover.IsTransient(e) && cancellationToken.IsCancellationRequested)
            {
                throw Cancelled(move, e, cancellationToken);
            }
            catch (Exception e) when (!rollBack && IsRefusal(e))
            {
                // A master answered and refused a step of the resumed move (the target out of memory, a sample that differs
                // with FailOnSampleMismatch): resuming again would fail the same way at every later recovery, and so refuse
                // every plan, until someone changed the policy. A move that fails like this during a plan is rolled back;
                // so is this one, now. Its roll-back is journalled first, so a later recovery finishes the roll-back rather
                // than resuming again.
                RedisShardingLog.ResumeRefused(_logger, move.Id, move.Partition.Value, e.Message);
                try
                {
                    await RecoverMoveAsync(move, rollBack: true, rollBackNote: "resuming was refused: " + e.Message, cancellationToken).ConfigureAwait(false);
                    rolledBack.Add(move.Partition.Value);
                }
                catch (Exception again) when (again is not RedisMigrationException && SlotMover.IsTransient(again) && cancellationToken.IsCancellationRequested)
                {
                    throw Cancelled(move, again, cancellationToken);
                }
                catch (Exception again) when (again is RedisMigrationException or RedisException or InvalidOperationException)
                {
                    var reason = $"{what}: resuming it was refused ({e.Message}), and rolling it back instead failed too: {again.Message} The journal holds it as rolling back, so every later recovery (RecoverAsync, run by every ExecuteAsync) rolls it back, whatever RedisMigrationOptions.Recovery says; fix what the message names (a master down, slots resharded by another tool: settle them with redis-cli --cluster fix) and recover again.";
                    unfinished.Add(reason);
                    RedisShardingLog.RecoveryFailed(_logger, move.Id, move.Partition.Value, reason);
                }
            }
            catch (Exception e) when (e is RedisMigrationException or RedisException or InvalidOperationException)
            {
                var reason = $"{what}: {e.Message}";
                unfinished.Add(reason);
                RedisShardingLog.RecoveryFailed(_logger, move.Id, move.Partition.Value, e.Message);
            }
        }

        CompactJournal("recovery");
        return new RecoveryReport(resumed, rolledBack, unfinished);
    }

    /// <summary>
    /// Empties the journal when no move is open. A failure is logged (event 6016) and counted, and the compaction is owed:
    /// every move's end is already durable in the journal, which stays readable and appendable with its old records, so
    /// throwing here reported completed moves (or a recovery that finished them) as a failure, and failed on a
    /// full disk every plan that runs after a recovery, for records that only cost space. The next plan or recovery tries
    /// again, as the Execution package's executor does with its own journal.
    /// </summary>
    private void CompactJournal(string run)
    {
        try
        {
            _journal.CompactIfIdle();
            _compactionOwed = false;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            _compactionOwed = true;
            _metrics.JournalCompactionFailures.Add(1);
            RedisShardingLog.JournalCompactionFailed(_logger, _journal.FilePath, run, e);
        }
    }

    /// <summary>
    /// Retrying stops once cancellation is requested and lets a transient error through: the recovery was cancelled;
    /// reported as an unfinished move, it read as a master being down, and ExecuteAsync refused its plan.
    /// </summary>
    private static OperationCanceledException Cancelled(JournalMove move, Exception e, CancellationToken cancellationToken) =>
        new($"Recovery of the move of '{move.Partition}' (slots {move.Slots}) from '{move.From}' to '{move.To}' was cancelled (a command failed as it was cancelled: {e.Message}); the move stays in the journal for the next recovery.", e, cancellationToken);

    /// <summary>
    /// Whether a recovery failed because a master answered and refused a step, rather than because one is down, cut off or
    /// flagged failing (<see cref="RedisMigrationException.UnreachableNode"/>, a transient error, a cluster that could not be
    /// read), which a later recovery may get past by trying again.
    /// </summary>
    private static bool IsRefusal(Exception e) =>
        e is RedisMigrationException { UnreachableNode: null } || (e is RedisServerException && !SlotMover.IsTransient(e));

    private async Task RecoverMoveAsync(JournalMove move, bool rollBack, string? rollBackNote, CancellationToken cancellationToken)
    {
        var view = await _admin.ReadViewAsync(cancellationToken).ConfigureAwait(false);
        foreach (var address in new[] { move.From, move.To })
        {
            if (view.Unreachable.Contains(address) || !view.Self.ContainsKey(address))
            {
                throw new RedisMigrationException($"Master '{address}' is unreachable; the move cannot be finished or undone without it.") { UnreachableNode = address };
            }

            // Answering but flagged failing (cut off from the cluster bus, or back a moment before the flag clears): a
            // failover may be handing its slots to a replica, so nothing is marked or moved until the flag clears.
            if (Unhealthy(view, address) is { } state)
            {
                throw new RedisMigrationException($"Master '{address}' {state}; the move is finished or undone once no node flags it.") { UnreachableNode = address };
            }
        }

        var endpoints = Endpoints(view, move.From, move.To);
        var masters = LiveMasters(view);
        var mover = CreateMover();
        var tally = new MoveTally();
        if (rollBack && !move.RollingBack)
        {
            _journal.Append(new JournalRecord(JournalRecord.RollBack, move.Id, Note: rollBackNote ?? "recovery policy RollBack"));
        }

        var sourceLine = view.Self[move.From];
        var targetLine = view.Self[move.To];
        for (var slot = move.Slots.Start; slot < move.Slots.End; slot++)
        {
            var owner = view.OwnerOf(slot)?.Address;
            var isOpen = sourceLine.Migrating.ContainsKey(slot) || targetLine.Importing.ContainsKey(slot);

            // Open the other way: a slot going back whose hand-over stopped after the source took it and before the target
            // was told (the target is still MIGRATING it); that hand-over is finished like any other.
            var isOpenBack = targetLine.Migrating.ContainsKey(slot) || sourceLine.Importing.ContainsKey(slot);
            if (!rollBack)
            {
                await mover.MoveSlotAsync(endpoints, slot, masters, resumeFrom: view, tally, cancellationToken).ConfigureAwait(false);
            }
            else if (owner == move.From && isOpen)
            {
                await mover.AbortSlotAsync(endpoints, slot, masters, tally, cancellationToken).ConfigureAwait(false);
            }
            else if (owner == move.To || (owner == move.From && isOpenBack))
            {
                await mover.MoveSlotAsync(endpoints.Reversed(), slot, masters, resumeFrom: view, tally, cancellationToken).ConfigureAwait(false);
            }
            else if (owner != move.From)
            {
                throw new RedisMigrationException(string.Create(CultureInfo.InvariantCulture, $"Slot {slot} is served by '{owner ?? "no master"}', neither '{move.From}' nor '{move.To}'; someone else resharded it.")) { Slot = slot };
            }
        }

        _journal.Append(new JournalRecord(JournalRecord.End, move.Id, Note: rollBack ? "rolledBack" : "completed"));
        var final = new NodeId(rollBack ? move.From : move.To);
        var map = _routing.Current;
        if (map.Contains(move.Partition))
        {
            var route = map.Get(move.Partition);
            if (HashSlotRange.FromKeyRange(route.Range) == move.Slots && route.Node != final)
            {
                ApplyRouting(new MoveChange(move.Partition, final));
            }
        }
    }

    /// <summary>
    /// Publishes a routing change. A <see cref="IRoutingTable.Changed"/> subscriber that throws does not undo the publish
    /// (<see cref="RoutingSubscriberException"/>), so it is logged and the change counts as made: treating it as a failed
    /// action would roll back slots that routing already gives the new owner.
    /// </summary>
    private void ApplyRouting(RoutingChange change)
    {
        try
        {
            _routing.Apply(change);
        }
        catch (RoutingSubscriberException e)
        {
            RedisShardingLog.SubscriberFailed(_logger, e.Published?.Version ?? _routing.Current.Version, e);
        }
    }

    private static MoveEndpoints Endpoints(ClusterView view, string from, string to)
    {
        var source = view.ByAddress(from) ?? throw new RedisMigrationException($"'{from}' is not a master of the cluster.");
        var target = view.ByAddress(to) ?? throw new RedisMigrationException($"'{to}' is not a master of the cluster.");
        return new MoveEndpoints(source.Address, source.Id, target.Address, target.Id);
    }

    /// <summary>
    /// The masters a hand-over tells the new owner (<c>SETSLOT NODE</c>) and asks for their epochs: those that answered
    /// this view and no node flags failing. One that is down cannot take the command nor send a stale claim, and each
    /// command to it would wait the multiplexer's timeout, once per slot; it learns the new owners by gossip when back.
    /// </summary>
    private static List<string> LiveMasters(ClusterView view) =>
        [.. view.Masters.Where(m => !m.IsFailing && view.Self.ContainsKey(m.Address) && !view.Unreachable.Contains(m.Address)).Select(m => m.Address)];

    private SlotMover CreateMover() => new(_admin, _options, _time, _logger, _metrics, StepHook);

    private static string Describe(ShardingAction action) => action switch
    {
        SplitAction split => $"split of '{split.Partition}'",
        MergeAction merge => $"merge of '{merge.Left}' and '{merge.Right}'",
        MoveAction move => $"move of '{move.Shard}' from '{move.From}' to '{move.To}'",
        _ => action.GetType().Name,
    };
}
