using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging;
using PredictiveSharding.Redis.Cluster;
using PredictiveSharding.Redis.Diagnostics;
using StackExchange.Redis;

namespace PredictiveSharding.Redis.Migration;

/// <summary>
/// Moves one hash slot between two masters with Redis Cluster's protocol, as a state machine read top to bottom:
/// Open (IMPORTING on the target, then MIGRATING on the source) → Drain (GETKEYSINSLOT + MIGRATE in batches) → Verify
/// (the source holds no key, sampled values read the same through the client path) → Assign (SETSLOT NODE on the target,
/// the source, then every other master). Every step may be run again after a crash; <see cref="AbortSlotAsync"/> undoes
/// an open slot instead.
/// </summary>
internal sealed class SlotMover
{
    // How long the hand-over waits for gossip to bring the target the other masters' epochs (it takes one or two cluster
    // pings, about 100 ms each), how often it looks, and how often a lost claim is made again before the move fails.
    private static readonly TimeSpan EpochGossipWait = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan EpochPollInterval = TimeSpan.FromMilliseconds(20);
    private const int ClaimRepairAttempts = 3;

    private readonly RedisClusterAdmin _admin;
    private readonly RedisMigrationOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly RedisShardingMetrics _metrics;
    private readonly Func<MigrationStep, int, CancellationToken, ValueTask>? _hook;
    private long _throttleStart;
    private long _throttleKeys;

    public SlotMover(RedisClusterAdmin admin, RedisMigrationOptions options, TimeProvider time, ILogger logger, RedisShardingMetrics metrics, Func<MigrationStep, int, CancellationToken, ValueTask>? hook)
    {
        _admin = admin;
        _options = options;
        _time = time;
        _logger = logger;
        _metrics = metrics;
        _hook = hook;
    }

    /// <summary>Moves <paramref name="slot"/> from the source to the target.</summary>
    /// <param name="endpoints">Source and target.</param>
    /// <param name="slot">The slot.</param>
    /// <param name="masters">The masters to tell the new owner and ask for their epochs: those that answer (one that is down learns by gossip). The source and target are told whether listed or not.</param>
    /// <param name="resumeFrom">When resuming after a crash, the cluster as read now; the slot's state decides where to start. Null for a fresh slot.</param>
    /// <param name="tally">Counts for the report.</param>
    /// <param name="cancellationToken">Cancels between commands; the slot is left open and resumable.</param>
    public async Task MoveSlotAsync(MoveEndpoints endpoints, int slot, IReadOnlyList<string> masters, ClusterView? resumeFrom, MoveTally tally, CancellationToken cancellationToken)
    {
        tally.KeysInCurrentSlot = 0;
        if (resumeFrom is not null)
        {
            var owner = resumeFrom.OwnerOf(slot)?.Address;
            if (owner == endpoints.Target)
            {
                // Handed over on the target before the crash: only the other masters may still need telling.
                await AssignAsync(endpoints, slot, masters, tally, cancellationToken).ConfigureAwait(false);
                return;
            }

            if (owner != endpoints.Source)
            {
                throw new RedisMigrationException(string.Create(CultureInfo.InvariantCulture, $"Slot {slot} is served by '{owner ?? "no master"}', neither the source '{endpoints.Source}' nor the target '{endpoints.Target}' of the move; someone else resharded it.")) { Slot = slot };
            }
        }

        var targetBefore = await OpenAsync(endpoints, slot, tally, cancellationToken).ConfigureAwait(false);
        await StepAsync(MigrationStep.Opened, slot, cancellationToken).ConfigureAwait(false);
        var samples = await DrainAsync(endpoints, slot, tally, cancellationToken).ConfigureAwait(false);
        await VerifyAsync(endpoints, slot, samples, tally, cancellationToken).ConfigureAwait(false);
        await StepAsync(MigrationStep.Drained, slot, cancellationToken).ConfigureAwait(false);
        await AssignAsync(endpoints, slot, masters, tally, cancellationToken).ConfigureAwait(false);
        await CountTargetAsync(endpoints, slot, targetBefore, tally, cancellationToken).ConfigureAwait(false);
        await StepAsync(MigrationStep.Assigned, slot, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Undoes an open slot (source still its owner), leaving every key on the source. With no key on the target yet this
    /// is just SETSLOT STABLE on both. Otherwise the source cannot take keys back while it is MIGRATING (it would answer
    /// ASK), and closing it first would hide the keys already on the target for a while; so the slot is finished forward
    /// and then migrated back, each step the ordinary protocol with no window where a key is invisible.
    /// </summary>
    public async Task AbortSlotAsync(MoveEndpoints endpoints, int slot, IReadOnlyList<string> masters, MoveTally tally, CancellationToken cancellationToken)
    {
        if (await CountAsync(endpoints.Target, slot, tally, cancellationToken).ConfigureAwait(false) == 0)
        {
            await RetryAsync("CLUSTER SETSLOT STABLE", endpoints.Source, slot, () => _admin.SetSlotStableAsync(endpoints.Source, slot, cancellationToken), tally, cancellationToken).ConfigureAwait(false);

            // A client may have created a key on the target (following an ASK) just before the source closed the slot.
            if (await CountAsync(endpoints.Target, slot, tally, cancellationToken).ConfigureAwait(false) == 0)
            {
                await RetryAsync("CLUSTER SETSLOT STABLE", endpoints.Target, slot, () => _admin.SetSlotStableAsync(endpoints.Target, slot, cancellationToken), tally, cancellationToken).ConfigureAwait(false);
                return;
            }
        }

        await MoveSlotAsync(endpoints, slot, masters, resumeFrom: null, tally, cancellationToken).ConfigureAwait(false);
        await MoveSlotAsync(endpoints.Reversed(), slot, masters, resumeFrom: null, tally, cancellationToken).ConfigureAwait(false);
    }

    private async Task<long> OpenAsync(MoveEndpoints endpoints, int slot, MoveTally tally, CancellationToken cancellationToken)
    {
        var targetBefore = await RetryAsync("CLUSTER COUNTKEYSINSLOT", endpoints.Target, slot, () => _admin.CountKeysInSlotAsync(endpoints.Target, slot, cancellationToken), tally, cancellationToken).ConfigureAwait(false);

        // The target first, so that it already accepts the ASK redirects the source starts giving once it is MIGRATING.
        await RetryAsync("CLUSTER SETSLOT IMPORTING", endpoints.Target, slot, () => _admin.SetSlotImportingAsync(endpoints.Target, slot, endpoints.SourceId, cancellationToken), tally, cancellationToken).ConfigureAwait(false);
        await RetryAsync("CLUSTER SETSLOT MIGRATING", endpoints.Source, slot, () => _admin.SetSlotMigratingAsync(endpoints.Source, slot, endpoints.TargetId, cancellationToken), tally, cancellationToken).ConfigureAwait(false);
        return targetBefore;
    }

    private async Task<List<(RedisKey Key, byte[] Dump)>> DrainAsync(MoveEndpoints endpoints, int slot, MoveTally tally, CancellationToken cancellationToken)
    {
        var samples = new List<(RedisKey Key, byte[] Dump)>();
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var keys = await RetryAsync("CLUSTER GETKEYSINSLOT", endpoints.Source, slot, () => _admin.GetKeysInSlotAsync(endpoints.Source, slot, _options.KeysPerBatch, cancellationToken), tally, cancellationToken).ConfigureAwait(false);
            if (keys.Length == 0)
            {
                return samples;
            }

            var wanted = Math.Min(_options.SampledKeysPerSlot - samples.Count, keys.Length);
            if (wanted > 0)
            {
                // Read on the source just before the batch leaves it; pipelined, one round. A read that fails is tried
                // again like every other command (it used to let a timeout escape ExecuteAsync raw, past the roll-back).
                var dumps = new Task<RedisResult>[wanted];
                for (var i = 0; i < wanted; i++)
                {
                    dumps[i] = _admin.ExecuteAsync(endpoints.Source, "DUMP", [keys[i]], cancellationToken);
                }

                try
                {
                    for (var i = 0; i < wanted; i++)
                    {
                        var key = keys[i];
                        var result = await RetryAsync("DUMP", endpoints.Source, slot, FirstAttempt(dumps[i], () => _admin.ExecuteAsync(endpoints.Source, "DUMP", [key], cancellationToken)), tally, cancellationToken).ConfigureAwait(false);
                        if ((byte[]?)result is { } dump)
                        {
                            samples.Add((key, dump));
                        }
                    }
                }
                catch
                {
                    // The reads not awaited yet may fail too; observe them so that they are not reported as unobserved.
                    foreach (var pending in dumps)
                    {
                        _ = pending.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
                    }

                    throw;
                }
            }

            await MigrateBatchAsync(endpoints.Source, endpoints.Target, slot, keys, tally, cancellationToken).ConfigureAwait(false);
            tally.KeysMigrated += keys.Length;
            tally.KeysInCurrentSlot += keys.Length;
            _metrics.KeysMigrated.Add(keys.Length);
            await StepAsync(MigrationStep.BatchMigrated, slot, cancellationToken).ConfigureAwait(false);
            await ThrottleAsync(keys.Length, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task MigrateBatchAsync(string source, string target, int slot, RedisKey[] keys, MoveTally tally, CancellationToken cancellationToken)
    {
        var timeout = (int)Math.Ceiling(_options.MigrateTimeout.TotalMilliseconds);
        try
        {
            await RetryAsync("MIGRATE", source, slot, () => _admin.MigrateAsync(source, target, keys, timeout, replace: false, cancellationToken), tally, cancellationToken, ioErrorNode: target).ConfigureAwait(false);
        }
        catch (RedisServerException e) when (IsBusyKey(e))
        {
            // BUSYKEY: the target holds a key of a slot it does not serve yet. While the source owns the slot, clients
            // read every key the source has from the source, so the target's copy is invisible and stale (left by an
            // earlier, interrupted move); the source's is the live one. Replace those copies, naming each.
            foreach (var key in keys)
            {
                try
                {
                    await RetryAsync("MIGRATE", source, slot, () => _admin.MigrateAsync(source, target, [key], timeout, replace: false, cancellationToken), tally, cancellationToken, ioErrorNode: target).ConfigureAwait(false);
                }
                catch (RedisServerException single) when (IsBusyKey(single))
                {
                    await RetryAsync("MIGRATE REPLACE", source, slot, () => _admin.MigrateAsync(source, target, [key], timeout, replace: true, cancellationToken), tally, cancellationToken, ioErrorNode: target).ConfigureAwait(false);
                    tally.StaleKeysReplaced++;
                    RedisShardingLog.StaleKeyReplaced(_logger, key.ToString(), slot, target);
                }
            }
        }
    }

    private async Task VerifyAsync(MoveEndpoints endpoints, int slot, List<(RedisKey Key, byte[] Dump)> samples, MoveTally tally, CancellationToken cancellationToken)
    {
        var left = await RetryAsync("CLUSTER COUNTKEYSINSLOT", endpoints.Source, slot, () => _admin.CountKeysInSlotAsync(endpoints.Source, slot, cancellationToken), tally, cancellationToken).ConfigureAwait(false);
        if (left != 0)
        {
            throw new RedisMigrationException(string.Create(CultureInfo.InvariantCulture, $"The source '{endpoints.Source}' still holds {left} key(s) of slot {slot} after draining it.")) { Slot = slot };
        }

        if (samples.Count == 0)
        {
            return;
        }

        // Read through the client path, as the application will: the source answers ASK and the client follows it to
        // the target, so this checks both the copy and the redirect.
        var database = _admin.Connection.GetDatabase();
        var mismatches = 0;
        for (var i = 0; i < samples.Count; i++)
        {
            var key = samples[i].Key;
            var after = await RetryAsync("DUMP", endpoints.Target, slot, () => database.KeyDumpAsync(key).WaitAsync(cancellationToken), tally, cancellationToken).ConfigureAwait(false);
            if (after is null || !after.AsSpan().SequenceEqual(samples[i].Dump))
            {
                mismatches++;
                RedisShardingLog.SampleMismatch(_logger, samples[i].Key.ToString(), slot);
            }
        }

        tally.SampledKeys += samples.Count;
        tally.SampleMismatches += mismatches;
        if (mismatches > 0 && _options.FailOnSampleMismatch)
        {
            throw new RedisMigrationException(string.Create(CultureInfo.InvariantCulture, $"{mismatches} of {samples.Count} sampled keys of slot {slot} read differently after the move to '{endpoints.Target}' (FailOnSampleMismatch is set).")) { Slot = slot };
        }
    }

    private async Task AssignAsync(MoveEndpoints endpoints, int slot, IReadOnlyList<string> masters, MoveTally tally, CancellationToken cancellationToken)
    {
        // The target first (it bumps its config epoch, so its claim wins), then the source, then everyone else; Redis
        // documents this order for SETSLOT NODE. Only the target's answer is required: the others learn by gossip.
        // The bump goes only as high as the target has heard of (it does not bump at all when it believes it holds the
        // highest epoch), so it must have heard of the source's epoch first; see AwaitTargetKnowsEpochsAsync.
        // The source and target are always included, whatever the list given (it holds only the masters that answered).
        masters = [endpoints.Target, endpoints.Source, .. masters.Where(m => m != endpoints.Target && m != endpoints.Source)];
        await AwaitTargetKnowsEpochsAsync(endpoints, masters, cancellationToken).ConfigureAwait(false);
        await RetryAsync("CLUSTER SETSLOT NODE", endpoints.Target, slot, () => _admin.SetSlotNodeAsync(endpoints.Target, slot, endpoints.TargetId, cancellationToken), tally, cancellationToken).ConfigureAwait(false);
        foreach (var master in masters.Skip(1))
        {
            try
            {
                await _admin.SetSlotNodeAsync(master, slot, endpoints.TargetId, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (RedisClusterAdmin.IsUnreachable(e) || e is RedisServerException)
            {
                RedisShardingLog.AssignSkipped(_logger, master, slot, e.Message);
            }
        }

        await ConfirmTargetClaimAsync(endpoints, slot, tally, cancellationToken).ConfigureAwait(false);
        tally.Slots++;
        _metrics.SlotsMigrated.Add(1);
    }

    /// <summary>
    /// Waits (at most <see cref="EpochGossipWait"/>) until the target has heard of every master's configuration epoch.
    /// Why: SETSLOT NODE on the importing node bumps its epoch to one above the highest it knows, or not at all when it
    /// believes its own is the highest. Right after another hand-over, gossip may not yet have told it of the source's
    /// newer epoch; its claim then carries a lower epoch than the source's, a source ping sent before the source gave the
    /// slot up makes the target drop its claim, and once the source obeys its own SETSLOT no master serves the slot (seen
    /// in CI after a roll-back: "Hash slot … is not served by any master"). Waiting is on the wall clock (gossip is real
    /// time), not on the injected TimeProvider.
    /// </summary>
    private async Task AwaitTargetKnowsEpochsAsync(MoveEndpoints endpoints, IReadOnlyList<string> masters, CancellationToken cancellationToken)
    {
        long highest = 0;
        long known = long.MaxValue; // the target's current epoch; stays MaxValue (no wait) if it does not answer
        foreach (var master in masters)
        {
            try
            {
                var (current, mine) = await _admin.EpochsAsync(master, cancellationToken).ConfigureAwait(false);
                highest = Math.Max(highest, mine);
                known = master == endpoints.Target ? current : known;
            }
            catch (Exception e) when (RedisClusterAdmin.IsUnreachable(e) || e is RedisServerException)
            {
                // A master that does not answer cannot send the stale claim either; an unanswering target makes SETSLOT,
                // next, report the failure with its retries.
            }
        }

        var started = Stopwatch.GetTimestamp();
        while (known < highest)
        {
            if (Stopwatch.GetElapsedTime(started) > EpochGossipWait)
            {
                RedisShardingLog.EpochNotHeard(_logger, endpoints.Target, known, highest);
                return;
            }

            await Task.Delay(EpochPollInterval, cancellationToken).ConfigureAwait(false);
            try
            {
                known = (await _admin.EpochsAsync(endpoints.Target, cancellationToken).ConfigureAwait(false)).CurrentEpoch;
            }
            catch (Exception e) when (RedisClusterAdmin.IsUnreachable(e) || e is RedisServerException)
            {
                return;
            }
        }
    }

    /// <summary>
    /// After the hand-over, the target's own view must list the slot as its own. If it does not (its claim was lost to an
    /// older, higher-epoch claim of the source; see <see cref="AwaitTargetKnowsEpochsAsync"/>), the target claims the slot
    /// again and bumps its epoch above every one it knows, so that its claim wins; all keys are on the target by now.
    /// </summary>
    internal async Task ConfirmTargetClaimAsync(MoveEndpoints endpoints, int slot, MoveTally tally, CancellationToken cancellationToken)
    {
        for (var repair = 0; ; repair++)
        {
            var own = (await RetryAsync("CLUSTER NODES", endpoints.Target, slot, () => _admin.NodesAsync(endpoints.Target, cancellationToken), tally, cancellationToken).ConfigureAwait(false))
                .FirstOrDefault(n => n.IsMyself);
            if (own is null)
            {
                return;
            }

            if (own.Owns(slot))
            {
                // SETSLOT NODE clears a MIGRATING mark only on a node that holds no key of the slot. A target still marked
                // MIGRATING from an interrupted earlier hand-over the other way (its keys had all left, but the SETSLOT NODE
                // that clears the mark never reached it, and gossip does not clear it in Redis 7.0) keeps that mark once the
                // keys are back on it, and sends clients asking for a new key to the node it once migrated to, which answers
                // MOVED back: new keys of the slot cannot be written. The slot is wholly its own now: close it.
                if (own.Migrating.ContainsKey(slot) || own.Importing.ContainsKey(slot))
                {
                    RedisShardingLog.StaleOpenSlotClosed(_logger, endpoints.Target, slot);
                    await RetryAsync("CLUSTER SETSLOT STABLE", endpoints.Target, slot, () => _admin.SetSlotStableAsync(endpoints.Target, slot, cancellationToken), tally, cancellationToken).ConfigureAwait(false);
                }

                return;
            }

            if (repair == ClaimRepairAttempts)
            {
                throw new RedisMigrationException(string.Create(CultureInfo.InvariantCulture, $"Slot {slot} was handed to '{endpoints.Target}', but that master still does not list it as its own after {ClaimRepairAttempts} repairs.")) { Slot = slot };
            }

            RedisShardingLog.ClaimRepaired(_logger, endpoints.Target, slot, repair + 1);
            await RetryAsync("CLUSTER SETSLOT NODE", endpoints.Target, slot, () => _admin.SetSlotNodeAsync(endpoints.Target, slot, endpoints.TargetId, cancellationToken), tally, cancellationToken).ConfigureAwait(false);
            await RetryAsync("CLUSTER BUMPEPOCH", endpoints.Target, slot, () => _admin.BumpEpochAsync(endpoints.Target, cancellationToken), tally, cancellationToken).ConfigureAwait(false);
            await Task.Delay(EpochPollInterval, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task CountTargetAsync(MoveEndpoints endpoints, int slot, long targetBefore, MoveTally tally, CancellationToken cancellationToken)
    {
        var now = await RetryAsync("CLUSTER COUNTKEYSINSLOT", endpoints.Target, slot, () => _admin.CountKeysInSlotAsync(endpoints.Target, slot, cancellationToken), tally, cancellationToken).ConfigureAwait(false);
        tally.TargetKeys += now;
        var expected = targetBefore + tally.KeysInCurrentSlot;
        if (now != expected)
        {
            RedisShardingLog.TargetCountDiffers(_logger, endpoints.Target, slot, now, expected);
        }
    }

    private Task<long> CountAsync(string node, int slot, MoveTally tally, CancellationToken cancellationToken) =>
        RetryAsync("CLUSTER COUNTKEYSINSLOT", node, slot, () => _admin.CountKeysInSlotAsync(node, slot, cancellationToken), tally, cancellationToken);

    private async Task<T> RetryAsync<T>(string command, string node, int slot, Func<Task<T>> operation, MoveTally tally, CancellationToken cancellationToken, string? ioErrorNode = null)
    {
        var delay = _options.RetryDelay;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await operation().ConfigureAwait(false);
            }
            catch (Exception e) when (IsTransient(e) && attempt < _options.Attempts && !cancellationToken.IsCancellationRequested)
            {
                tally.Retries++;
                _metrics.Retries.Add(1);
                RedisShardingLog.Retrying(_logger, command, node, attempt, e.Message);
                await Task.Delay(delay, _time, cancellationToken).ConfigureAwait(false);
                // Doubled up to the cap: unbounded, 100 attempts would wait for years, and past 17 doublings of a
                // minute the wait outgrew what a timer takes (and then a TimeSpan) and failed the move with its own error.
                delay = delay >= _options.MaxRetryDelay / 2 ? _options.MaxRetryDelay : delay * 2;
            }
            catch (Exception e) when (IsTransient(e) && !cancellationToken.IsCancellationRequested)
            {
                var unreachable = IsIoError(e) ? ioErrorNode ?? node : node;
                throw new RedisMigrationException(string.Create(CultureInfo.InvariantCulture, $"{command} on '{node}' for slot {slot} failed {attempt} time(s); '{unreachable}' looks unreachable: {e.Message}"), e)
                {
                    UnreachableNode = unreachable,
                    Slot = slot,
                };
            }
        }
    }

    /// <summary>An operation for <see cref="RetryAsync{T}"/> whose first attempt is <paramref name="started"/> (already sent, pipelined) and every later one <paramref name="again"/>.</summary>
    private static Func<Task<T>> FirstAttempt<T>(Task<T> started, Func<Task<T>> again)
    {
        var first = true;
        return () =>
        {
            if (first)
            {
                first = false;
                return started;
            }

            return again();
        };
    }

    private Task<bool> RetryAsync(string command, string node, int slot, Func<Task> operation, MoveTally tally, CancellationToken cancellationToken) =>
        RetryAsync(command, node, slot, async () =>
        {
            await operation().ConfigureAwait(false);
            return true;
        }, tally, cancellationToken);

    /// <summary>A failure <see cref="RetryAsync{T}"/> tries again (and, once cancellation is requested, lets through as it is).</summary>
    internal static bool IsTransient(Exception e) =>
        RedisClusterAdmin.IsUnreachable(e) ||
        (e is RedisServerException server && (IsIoError(server) || server.Message.StartsWith("TRYAGAIN", StringComparison.Ordinal) ||
            server.Message.StartsWith("LOADING", StringComparison.Ordinal) || server.Message.StartsWith("CLUSTERDOWN", StringComparison.Ordinal)));

    // MIGRATE relays the target's refusal inside its own error: "ERR Target instance replied with error: BUSYKEY …".
    private static bool IsBusyKey(RedisServerException e) => e.Message.Contains("BUSYKEY", StringComparison.Ordinal);

    private static bool IsIoError(Exception e) => e is RedisServerException && e.Message.StartsWith("IOERR", StringComparison.Ordinal);

    private async ValueTask StepAsync(MigrationStep step, int slot, CancellationToken cancellationToken)
    {
        if (_hook is not null)
        {
            await _hook(step, slot, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task ThrottleAsync(int keys, CancellationToken cancellationToken)
    {
        if (_options.MaxKeysPerSecond <= 0)
        {
            return;
        }

        if (_throttleKeys == 0)
        {
            _throttleStart = _time.GetTimestamp();
        }

        _throttleKeys += keys;
        var due = TimeSpan.FromSeconds(_throttleKeys / _options.MaxKeysPerSecond);
        var elapsed = _time.GetElapsedTime(_throttleStart);
        if (due > elapsed)
        {
            await Task.Delay(due - elapsed, _time, cancellationToken).ConfigureAwait(false);
        }
    }

}
