using System.Globalization;
using System.Runtime.CompilerServices;
using PredictiveSharding.Execution.Diagnostics;
using PredictiveSharding.Execution.FaultInjection;
using PredictiveSharding.Moving;
using PredictiveSharding.Routing;
using PredictiveSharding.Topology;

namespace PredictiveSharding.Execution.Moves;

/// <summary>
/// One move as a state machine (after MongoDB's range migration and Garnet's migration session): each state is one
/// method that does one step and returns the next state, and <see cref="RunAsync"/> journals every state before running
/// it. Before the new routing version is published any failure, cancellation or verification mismatch rolls back;
/// after it only going forward (clean-up) is allowed. Whether it was published is always asked of routing, never
/// assumed from the journal, so the publish itself needs no journal write inside the write fence.
/// </summary>
internal sealed class MoveStateMachine(MoveContext move, ExecutorServices services, Action<MoveContext, MoveState> report)
{
    /// <summary>Bytes and keys copied below the copy's resume point: what a copy reopened there has copied already.</summary>
    private (long Bytes, long Keys) _copiedAtResumePoint;

    /// <summary>
    /// The most of the move's <see cref="MoveContext.BytesCopied"/> counted on <c>psharding.moves.bytes_copied</c> by this
    /// run (null before its copy starts): bytes a retried attempt copies again are not counted twice, as in the report.
    /// </summary>
    private long? _bytesMetered;

    private IDataMover Mover => services.Mover;

    private ExecutorOptions Options => services.Options;

    public async Task<MoveState> RunAsync(MoveState state, CancellationToken cancellationToken)
    {
        try
        {
            if (move.FenceMayBeHeld && state is not MoveState.RollingBack && !await TryLiftStrayFenceBeforeGoingOnAsync(state).ConfigureAwait(false))
            {
                if (state == MoveState.CleaningUp)
                {
                    // Published: only forward. Nothing was journalled, so the next recovery still knows of the fence.
                    return state;
                }

                state = MoveState.RollingBack;
            }

            while (state is not (MoveState.Completed or MoveState.RolledBack))
            {
                // Journal first: after a crash, recovery knows every state whose effects may have started.
                await JournalAsync(state).ConfigureAwait(false);
                ExecutorLog.StateEntered(services.Logger, move.ActionId, ActionKind.Move, move.Partition.Value, state);
                report(move, state);
                try
                {
                    state = await StepAsync(state, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not SimulatedCrashException)
                {
                    if (state is MoveState.CleaningUp or MoveState.RollingBack)
                    {
                        // Clean-up only goes forward and an undo only backward; the journal keeps the state for recovery.
                        move.Error ??= ex;
                        if (ex is OperationCanceledException && cancellationToken.IsCancellationRequested)
                        {
                            // A host shutting down during the grace period is routine, not an error worth a stack trace.
                            ExecutorLog.StoppedPending(services.Logger, move.ActionId, state);
                        }
                        else
                        {
                            ExecutorLog.LeftPending(services.Logger, move.ActionId, state, ex);
                        }

                        return state;
                    }

                    move.Error ??= ex;
                    ExecutorLog.RollingBack(services.Logger, move.ActionId, ActionKind.Move, move.Partition.Value, state, ex);
                    state = MoveState.RollingBack;
                }
            }

            // The end is journalled too, so recovery knows the action needs nothing more.
            await JournalAsync(state).ConfigureAwait(false);
            report(move, state);
            return state;
        }
        catch (Exception ex) when (move.Fence is not null)
        {
            // A failure or a crash must not leave host writes fenced; after a publish they are refused as stale. A release
            // that fails too must not replace the error that ended the run (a journal write's, a crash's): it is logged, and
            // the fence is lifted by the next recovery, to which the journal says CuttingOver or RollingBack.
            try
            {
                await ReleaseFenceAsync().ConfigureAwait(false);
            }
            catch (Exception releaseError) when (releaseError is not SimulatedCrashException)
            {
                ExecutorLog.FenceReleaseFailedAfterError(services.Logger, move.ActionId, move.From.Value, ex.GetType().Name, releaseError);
            }

            throw;
        }
        finally
        {
            // A run that ended without an error holds no fence (the cut-over or the rollback released it); kept as the
            // backstop it always was.
            await ReleaseFenceAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Journals <paramref name="state"/> with the move's position. Only a record that guards an effect recovery could not
    /// otherwise undo or confirm waits for the disk: Preparing (before the target is written to, so that a rollback knows
    /// to delete its copy and stop the capture), CuttingOver (before the publish) and CleaningUp (before the source's copy
    /// is deleted), and RollingBack (before the undo). The others (Copying with its checkpoints, CatchingUp, Verifying,
    /// Completed, RolledBack) become durable with the next synced one: losing them to a crash only sends recovery back to
    /// an earlier record, from which it copies, catches up and verifies again (a copy checkpoint is an optimisation, a
    /// change-feed position an earlier one of which replays more, verification always runs again after a resume), or
    /// repeats a clean-up or rollback, which are idempotent. Whether a publish happened is asked of routing, never of the
    /// journal.
    /// </summary>
    private ValueTask JournalAsync(MoveState state)
    {
        var record = move.ToRecord(state, services.Time.GetUtcNow());
        return state is MoveState.Preparing or MoveState.CuttingOver or MoveState.CleaningUp or MoveState.RollingBack
            ? services.Journal.AppendAsync(record, CancellationToken.None)
            : services.Journal.AppendWithoutSyncAsync(record, CancellationToken.None);
    }

    private Task<MoveState> StepAsync(MoveState state, CancellationToken cancellationToken) => state switch
    {
        MoveState.Preparing => PrepareAsync(cancellationToken),
        MoveState.Copying => CopyAsync(cancellationToken),
        MoveState.CatchingUp => CatchUpAsync(cancellationToken),
        MoveState.Verifying => VerifyAsync(cancellationToken),
        MoveState.CuttingOver => CutOverAsync(cancellationToken),
        MoveState.CleaningUp => CleanUpAsync(cancellationToken),
        MoveState.RollingBack => RollBackAsync(),
        _ => throw new InvalidOperationException($"Move '{move.ActionId}' has no step for state {state}."),
    };

    private async Task<MoveState> PrepareAsync(CancellationToken cancellationToken)
    {
        // Routing was checked when the move started (or recovery resumed it), but it can change before this step (the
        // Preparing record's fsync lies between): a host's or another tool's own change may have given the target the
        // range, whose keys there are then the live data. Nothing is started or deleted; the move ends refused.
        if (!services.RoutingNames(move.Partition, move.Range, move.From))
        {
            move.Refused = true;
            move.Error = new InvalidOperationException($"{SourceNoLongerOwns()}; the move was not started, and the keys of the range on the target '{move.To}' were not deleted.");
            ExecutorLog.MoveRefused(services.Logger, move.ActionId, move.Partition.Value, move.From.Value, move.To.Value, move.Error.Message);
            return MoveState.RolledBack;
        }

        // The source owns the range, so anything the target holds there is a stale copy that would fail verification.
        await Mover.DeleteRangeAsync(move.To, move.Range, cancellationToken).ConfigureAwait(false);
        move.Capture = await Mover.StartChangeCaptureAsync(move.From, move.Range, move.ActionId, cancellationToken).ConfigureAwait(false);
        move.NextSequence = move.Capture.StartSequence;
        return MoveState.Copying;
    }

    /// <summary>What routing says of the move's partition now, for a move whose source no longer owns it.</summary>
    private string SourceNoLongerOwns()
    {
        var current = services.Routing.Current;
        var route = current.Contains(move.Partition) ? current.Get(move.Partition) : null;
        return $"Partition '{move.Partition}' is no longer {move.Range} on '{move.From}' in routing version {current.Version} (now {(route is null ? "absent" : route.Range + " on '" + route.Node + "'")})";
    }

    /// <summary>
    /// Throws unless routing still gives the source the range: checked before each write to the target until the publish.
    /// A change made outside the executor meanwhile (the host's, another tool's) may have given the target the range, whose
    /// keys there are then live: the copy and the catch-up would write the source's older values over them. The move rolls
    /// back, which deletes nothing of the target while routing gives it any key of the range.
    /// </summary>
    private void EnsureTheSourceStillOwns()
    {
        if (!services.RoutingNames(move.Partition, move.Range, move.From))
        {
            throw new InvalidOperationException($"{SourceNoLongerOwns()}, a change made outside this move while it ran; the move is rolled back, and nothing more is written to the target '{move.To}'.");
        }
    }

    private async Task<MoveState> CopyAsync(CancellationToken cancellationToken)
    {
        // A copy is stateful (a snapshot, files not yet ingested), so a transient failure is retried by opening it again
        // from the last committed chunk boundary, not by repeating the failed call.
        move.CopySourceChecksum = null;
        move.CopyTargetChecksum = null;
        _copiedAtResumePoint = (move.BytesCopied, move.KeysCopied);
        _bytesMetered ??= move.BytesCopied;

        // An attempt that journalled a checkpoint gets a fresh retry budget: a copy of hours would otherwise be rolled
        // back (and its copy deleted) after a few isolated timeouts, each of which cost only the chunks since a checkpoint.
        var resumeAtLastFailure = move.CopyResumeFrom;
        await services.Retry.RunAsync("copy", CopyOnceAsync, CheckpointedSinceLastFailure, cancellationToken).ConfigureAwait(false);

        // A copy that checksummed the source as it read is verified before the catch-up: the target holds exactly that
        // snapshot now, so no second scan of the source is needed.
        return move.CopySourceChecksum is null ? MoveState.CatchingUp : MoveState.Verifying;

        bool CheckpointedSinceLastFailure()
        {
            var advanced = move.CopyResumeFrom != resumeAtLastFailure;
            resumeAtLastFailure = move.CopyResumeFrom;
            return advanced;
        }
    }

    private async ValueTask CopyOnceAsync(CancellationToken cancellationToken)
    {
        // A resumed copy continues after its last committed chunk boundary: keys below it are on the target already, and
        // any of them written since is in the change feed, which started before the copy's snapshot was taken.
        var from = move.CopyResumeFrom ?? move.Range.Start;

        // What an earlier attempt copied past the resume point is copied again: count it once.
        (move.BytesCopied, move.KeysCopied) = _copiedAtResumePoint;
        EnsureTheSourceStillOwns();
        var copy = await Mover.OpenCopyAsync(move.From, move.To, move.Range, from, cancellationToken).ConfigureAwait(false);
        await using (copy.ConfigureAwait(false))
        {
            var chunks = 0;
            var sinceCheckpoint = services.Time.GetTimestamp();
            while (true)
            {
                EnsureTheSourceStillOwns();
                var step = await copy.CopyNextAsync(Options.ChunkBytes, cancellationToken).ConfigureAwait(false);
                move.BytesCopied += step.Bytes;
                move.KeysCopied += step.Keys;
                if (move.BytesCopied > _bytesMetered)
                {
                    services.Metrics.BytesCopied.Add(move.BytesCopied - _bytesMetered.Value);
                    _bytesMetered = move.BytesCopied;
                }
                report(move, MoveState.Copying);

                // Paid after the step: the rate over time is the same, and the copy need not hold read entries while it waits.
                // A copy that reads its commits back on the target pays for that read too, as a verification scan would.
                await services.Throttle.AcquireAsync(copy.ReadsBackTarget ? 2 * step.Bytes : step.Bytes, cancellationToken).ConfigureAwait(false);
                if (step.ResumeFrom is not { } next)
                {
                    await copy.CommitAsync(cancellationToken).ConfigureAwait(false);
                    move.CopyResumeFrom = null;
                    move.CopySourceChecksum = copy.SourceChecksum;
                    move.CopyTargetChecksum = copy.TargetChecksum;
                    return;
                }

                // A checkpoint bounds what a resumed copy redoes, but costs a commit (for a store that ingests files, fsyncs and
                // a MANIFEST write) and a journal fsync: take one every few chunks, but not before the copy has spent ten
                // times the last checkpoint's cost since the previous one, so checkpoints stay a small share of a fast copy.
                if (++chunks >= ExecutorDefaults.CopyCheckpointChunks
                    && services.Time.GetElapsedTime(sinceCheckpoint) >= services.CopyCheckpointCost * ExecutorDefaults.CopyCheckpointCostFactor)
                {
                    var started = services.Time.GetTimestamp();

                    // The boundary is journalled only after the chunks below it are committed on the target, never before.
                    await copy.CommitAsync(cancellationToken).ConfigureAwait(false);
                    move.CopyResumeFrom = next;
                    _copiedAtResumePoint = (move.BytesCopied, move.KeysCopied);
                    await JournalAsync(MoveState.Copying).ConfigureAwait(false);
                    services.CopyCheckpointCost = services.Time.GetElapsedTime(started);
                    sinceCheckpoint = services.Time.GetTimestamp();
                    chunks = 0;
                }
            }
        }
    }

    private async Task<MoveState> CatchUpAsync(CancellationToken cancellationToken)
    {
        // One round drains what piled up during the previous step, capped so a write storm cannot keep a round going forever.
        move.Lag = await DrainAsync(long.MaxValue, (long)Options.ChangeBatchSize * 16, cancellationToken).ConfigureAwait(false);
        move.CatchUpRounds++;
        if (move.Lag <= Options.CatchUpLagThreshold)
        {
            return move.Verified is null ? MoveState.Verifying : MoveState.CuttingOver;
        }

        if (move.CatchUpRounds >= Options.MaxCatchUpRounds)
        {
            throw new TimeoutException(string.Create(CultureInfo.InvariantCulture, $"Move '{move.ActionId}' did not catch up: {move.Lag} changes were still pending after {move.CatchUpRounds} rounds (threshold {Options.CatchUpLagThreshold}); writes to the range outpace the copy."));
        }

        return MoveState.CatchingUp;
    }

    private async Task<MoveState> VerifyAsync(CancellationToken cancellationToken)
    {
        // The source's checksum is of one snapshot at sequence S; the target equals it exactly once every change below S is
        // applied (and none at or above it). The copy's own checksum of the source qualifies while the target has not
        // been given any change past its snapshot; otherwise the source is checksummed again.
        var copied = move.CopySourceChecksum is { } fromCopy && move.NextSequence <= fromCopy.Sequence ? fromCopy : (RangeChecksum?)null;
        var readBack = copied is null ? null : move.CopyTargetChecksum;
        move.CopySourceChecksum = null;
        move.CopyTargetChecksum = null;
        var source = copied ?? await ChecksumAsync(move.From, cancellationToken).ConfigureAwait(false);
        var drained = await DrainAsync(source.Sequence, long.MaxValue, cancellationToken).ConfigureAwait(false);

        // The copy's read-back of the target stands for a fresh one only while nothing has been applied to the target
        // since: changes below the snapshot's sequence (written between the capture's start and the snapshot, already
        // in the copy) are re-applied by the drain, so after any the target is read again.
        var target = readBack is { } whileCopying && drained == 0 ? whileCopying : await ChecksumAsync(move.To, cancellationToken).ConfigureAwait(false);
        if (!target.SameContentAs(source))
        {
            throw new RangeVerificationException(move.Range, move.From, source, move.To, target);
        }

        move.Verified = source;

        // Verified at the copy's snapshot: the writes made since are still to be caught up before the cut-over.
        return copied is null ? MoveState.CuttingOver : MoveState.CatchingUp;
    }

    /// <summary>
    /// Checksums the move's range on <paramref name="node"/> over one snapshot. A read-back of the whole range is as heavy
    /// on the node as the copy, so with a throttle it is read in copy-sized steps that pay the same byte budget (the
    /// foreground latency target holds for the whole move, not just its copy); without one it is read in one step.
    /// </summary>
    private ValueTask<RangeChecksum> ChecksumAsync(NodeId node, CancellationToken cancellationToken)
    {
        // A scan holds a snapshot and an iterator, so a transient failure is retried by opening it again, as a copy is. A
        // scan starts over each time, so an attempt counts as progress (a fresh retry budget) only when it read further
        // than every earlier one: isolated failures over a long scan are retried, failures at the same point give up, and
        // the fresh budgets are bounded by the range's size.
        var scanned = new StrongBox<long>();
        long furthest = 0;
        return services.Retry.RunAsync(
            "checksum",
            ct =>
            {
                scanned.Value = 0;
                return ChecksumOnceAsync(node, scanned, ct);
            },
            () =>
            {
                var further = scanned.Value > furthest;
                furthest = Math.Max(furthest, scanned.Value);
                return further;
            },
            cancellationToken);
    }

    /// <summary>One scan from the range's start; <paramref name="scanned"/> counts the bytes it has read, for the retry.</summary>
    private async ValueTask<RangeChecksum> ChecksumOnceAsync(NodeId node, StrongBox<long> scanned, CancellationToken cancellationToken)
    {
        var stepBytes = services.Throttle.IsUnlimited ? int.MaxValue : Options.ChunkBytes;
        var scan = await Mover.OpenChecksumScanAsync(node, move.Range, cancellationToken).ConfigureAwait(false);
        await using (scan.ConfigureAwait(false))
        {
            while (true)
            {
                var step = await scan.StepAsync(stepBytes, cancellationToken).ConfigureAwait(false);
                scanned.Value += step.Bytes;

                // Paid after the step, as the copy pays: the snapshot stays open while it waits, the entries do not.
                await services.Throttle.AcquireAsync(step.Bytes, cancellationToken).ConfigureAwait(false);
                if (step.Checksum is { } checksum)
                {
                    return checksum;
                }
            }
        }
    }

    private async Task<MoveState> CutOverAsync(CancellationToken cancellationToken)
    {
        using (var attemptTimeout = new CancellationTokenSource(Options.FenceTimeout, services.Time))
        using (var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, attemptTimeout.Token))
        {
            try
            {
                move.Fence = await FenceSourceAsync(linked.Token).ConfigureAwait(false);
                move.FenceAcquiredAt = services.Time.GetTimestamp();
                await DrainAsync(long.MaxValue, long.MaxValue, linked.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (attemptTimeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                await ReleaseFenceAsync().ConfigureAwait(false);
                move.CutOverAttempts++;
                ExecutorLog.CutOverTimedOut(services.Logger, move.ActionId, Options.FenceTimeout, move.CutOverAttempts);
                if (move.CutOverAttempts >= Options.MaxCutOverAttempts)
                {
                    throw new TimeoutException(string.Create(CultureInfo.InvariantCulture, $"Move '{move.ActionId}' could not fence and drain the source within {Options.FenceTimeout} in {move.CutOverAttempts} attempts."));
                }

                return MoveState.CatchingUp;
            }
        }

        // Published inside the fence, with no journal write in between: this state's record (written before the fence)
        // already tells recovery that a publish may have happened, and recovery asks routing whether it did.
        PublishNewOwner();

        // Writes held at the fence now find that the node no longer owns the range and are redirected.
        Exception? releaseFailed = null;
        try
        {
            await ReleaseFenceAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not SimulatedCrashException)
        {
            // The move is published whatever happens to the fence: it goes forward, and is counted and logged as such.
            releaseFailed = ex;
        }

        move.CleanupAfter = services.Time.GetUtcNow() + Options.CleanupGracePeriod;
        services.Metrics.MovesCompleted.Add(1);
        ExecutorLog.Published(services.Logger, move.ActionId, move.Partition.Value, move.From.Value, move.To.Value, move.PublishedVersion!.Value, move.FenceDuration ?? TimeSpan.Zero);
        if (releaseFailed is not null)
        {
            // A fence left on the old owner holds the writes routed there with the old map for good, and every host write
            // to the range once a later plan moves it back. A lift that fails too goes through the rollback path, which
            // (routing naming the target) lifts it before the clean-up, or is left pending with RollingBack journalled.
            ExecutorLog.FenceReleaseFailed(services.Logger, move.ActionId, move.From.Value, releaseFailed);
            await LiftStrayFenceAsync().ConfigureAwait(false);
        }

        return MoveState.CleaningUp;
    }

    private void PublishNewOwner()
    {
        while (true)
        {
            var current = services.Routing.Current;
            var route = current.Contains(move.Partition) ? current.Get(move.Partition) : null;
            if (route is null || route.Range != move.Range || (route.Node != move.From && route.Node != move.To))
            {
                throw new InvalidOperationException($"Partition '{move.Partition}' changed in routing version {current.Version} while it was being moved (now {(route is null ? "absent" : route.Range + " on '" + route.Node + "'")}); the move is abandoned.");
            }

            if (route.Node == move.To)
            {
                if (!move.MayHavePublished)
                {
                    // Not this move's publish: another change gave the target the range while it ran. Taken for a publish,
                    // the clean-up deleted the source's copy, which the target's own writes had not come from.
                    throw new InvalidOperationException($"Routing version {current.Version} gives partition '{move.Partition}' to the target '{move.To}' already, a change made outside this move while it ran; the move is rolled back, and the source's copy is not deleted.");
                }

                move.PublishedVersion = current.Version;
                return;
            }

            var next = current.Apply(new MoveChange(move.Partition, move.To));

            // Set before the call: a publish that throws may have taken effect, and then only going forward is safe.
            move.MayHavePublished = true;
            if (RoutingPublisher.TryPublish(services, move.ActionId, current, next))
            {
                move.PublishedVersion = next.Version;
                return;
            }

            move.MayHavePublished = false;
        }
    }

    private async Task<MoveState> CleanUpAsync(CancellationToken cancellationToken)
    {
        EnsureTheOldOwnerHasNoneOfTheRange();
        await Mover.StopChangeCaptureAsync(move.From, move.ActionId, cancellationToken).ConfigureAwait(false);
        // Requests routed with the previous version may still be reading on the old owner. The wait is sliced so that
        // progress is reported while it lasts: a watcher (the control loop's health check) then sees a move waiting by
        // design rather than a stall. The deadline is wall-clock time and may come from another machine's clock (a
        // recovery after a restart elsewhere) or from before a clock was stepped back, so the wait is at most one grace
        // period, measured on the monotonic clock: otherwise the skew would be added to it, blocking every later plan.
        var now = services.Time.GetUtcNow();
        var wait = (move.CleanupAfter ?? now) - now;
        if (wait > Options.CleanupGracePeriod)
        {
            wait = Options.CleanupGracePeriod;
        }

        var waitStarted = services.Time.GetTimestamp();
        var waited = false;
        while (wait - services.Time.GetElapsedTime(waitStarted) is var left && left > TimeSpan.Zero)
        {
            if (waited)
            {
                report(move, MoveState.CleaningUp);
            }

            await Task.Delay(left < ExecutorDefaults.CleanupProgressInterval ? left : ExecutorDefaults.CleanupProgressInterval, services.Time, cancellationToken).ConfigureAwait(false);
            waited = true;
        }

        if (waited)
        {
            // Checked again after the wait (30 s by default): routing may have given the old owner keys of the range back
            // meanwhile (the host's own change), and deleting them then would delete live data.
            EnsureTheOldOwnerHasNoneOfTheRange();
        }

        await Mover.DeleteRangeAsync(move.From, move.Range, cancellationToken).ConfigureAwait(false);
        return MoveState.Completed;
    }

    private void EnsureTheOldOwnerHasNoneOfTheRange()
    {
        if (services.OwnsAnyOf(move.From, move.Range))
        {
            throw new InvalidOperationException($"Routing version {services.Routing.Current.Version} gives node '{move.From}' keys of {move.Range} again; its copy is not deleted.");
        }
    }

    private async Task<MoveState> RollBackAsync()
    {
        // Routing decides, not the journal: if the target already owns the range (a publish whose record was lost or that
        // raced a failure), undoing would delete the only current copy, so go forward instead. Only once this move may have
        // published: before that, routing naming the target is another's change, and going forward deleted the source's copy.
        if (move.MayHavePublished && services.RoutingNames(move.Partition, move.Range, move.To))
        {
            move.Error = null;
            move.CleanupAfter ??= services.Time.GetUtcNow() + Options.CleanupGracePeriod;
            if (move.FenceMayBeHeld)
            {
                // Lifted before CleaningUp is journalled, which would hide the fence from a recovery after a crash: this
                // state's record (RollingBack) tells it to lift the fence.
                await LiftStrayFenceAsync().ConfigureAwait(false);
            }

            return MoveState.CleaningUp;
        }

        await ReleaseFenceAsync().ConfigureAwait(false);
        if (move.FenceMayBeHeld)
        {
            await LiftStrayFenceAsync().ConfigureAwait(false);
        }

        await Mover.StopChangeCaptureAsync(move.From, move.ActionId, CancellationToken.None).ConfigureAwait(false);
        if (!services.OwnsAnyOf(move.To, move.Range))
        {
            await Mover.DeleteRangeAsync(move.To, move.Range, CancellationToken.None).ConfigureAwait(false);
        }

        services.Metrics.MovesRolledBack.Add(1);
        return MoveState.RolledBack;
    }

    /// <summary>Applies captured changes below <paramref name="below"/> to the target, at most about <paramref name="limit"/>; returns how many.</summary>
    private async Task<long> DrainAsync(long below, long limit, CancellationToken cancellationToken)
    {
        var capture = move.Capture ?? throw new InvalidOperationException($"Move '{move.ActionId}' has no change capture.");
        long applied = 0;
        while (applied < limit)
        {
            var batch = await Mover.ReadChangesAsync(capture, move.NextSequence, Options.ChangeBatchSize, cancellationToken).ConfigureAwait(false);
            var count = 0;
            while (count < batch.Count && batch[count].Sequence < below)
            {
                count++;
            }

            if (count > 0)
            {
                var changes = count == batch.Count ? batch : batch.Take(count).ToArray();
                EnsureTheSourceStillOwns();
                await Mover.ApplyChangesAsync(move.To, changes, cancellationToken).ConfigureAwait(false);
                move.NextSequence = changes[^1].Sequence + 1;
                move.ChangesApplied += count;
                applied += count;
                services.Metrics.ChangesApplied.Add(count);
            }

            if (count == 0 || count < batch.Count)
            {
                break;
            }
        }

        return applied;
    }

    /// <summary>
    /// Fences the source's range. A call that fails with an error (not a cancellation) may have fenced the range and lost
    /// its reply, leaving a fence no one holds: a later call gets a handle to that fence (fences are idempotent, see
    /// <see cref="IDataMover.FenceWritesAsync"/>), and a rollback without one lifts it.
    /// </summary>
    private async Task<IAsyncDisposable> FenceSourceAsync(CancellationToken cancellationToken)
    {
        try
        {
            var fence = await Mover.FenceWritesAsync(move.From, move.Range, cancellationToken).ConfigureAwait(false);
            move.FenceMayBeHeld = false;
            return fence;
        }
        catch (Exception ex) when (ex is not (OperationCanceledException or SimulatedCrashException))
        {
            move.FenceMayBeHeld = true;
            throw;
        }
    }

    /// <summary>
    /// Before a recovered move goes on from <paramref name="state"/>, lifts the fence the interrupted run may have left on
    /// the source (its journal said CuttingOver or RollingBack); returns false, with the error logged, if that failed.
    /// A resumed move catches up and verifies again before it fences anew: the stray fence held every host write to the
    /// range all that while, and once the resumed move journalled its state, a second crash left a recovery that no
    /// longer knew of the fence, so a rollback then kept it on for good. A move carried forward to its clean-up (the
    /// crash came after the publish, before its fence was lifted) kept it on the old owner for good: writes routed there
    /// with the old map waited at it, and every host write to the range did once a later plan moved the range back.
    /// Lifted before anything is journalled, so that a crash meanwhile leaves the record that tells of the fence. A
    /// resumed move whose lift fails rolls back, as after any store call that fails before the publish (the rollback
    /// tries again); a clean-up is left pending.
    /// </summary>
    private async Task<bool> TryLiftStrayFenceBeforeGoingOnAsync(MoveState state)
    {
        try
        {
            await LiftStrayFenceAsync().ConfigureAwait(false);
            return true;
        }
        catch (Exception ex) when (ex is not SimulatedCrashException)
        {
            move.Error ??= ex;
            if (state == MoveState.CleaningUp)
            {
                ExecutorLog.LeftPending(services.Logger, move.ActionId, state, ex);
            }
            else
            {
                ExecutorLog.RollingBack(services.Logger, move.ActionId, ActionKind.Move, move.Partition.Value, state, ex);
            }

            return false;
        }
    }

    /// <summary>
    /// Lifts a fence a failed call (or a crashed run) may have left on the source: it would hold every host write to the
    /// range for good. Fencing again returns a handle to it, whose disposal lifts it. A call that fails leaves the
    /// rollback pending, to be tried again.
    /// </summary>
    private async Task LiftStrayFenceAsync()
    {
        using var timeout = new CancellationTokenSource(Options.FenceTimeout, services.Time);
        IAsyncDisposable stray;
        try
        {
            stray = await Mover.FenceWritesAsync(move.From, move.Range, timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            // A fence in force is returned at once (no host write runs under it); one that waits for host writes to
            // drain for a whole fence timeout found none to lift. Waiting without a limit hung the rollback of a move
            // whose range never drained.
            move.FenceMayBeHeld = false;
            return;
        }

        await stray.DisposeAsync().ConfigureAwait(false);
        move.FenceMayBeHeld = false;
    }

    private async Task ReleaseFenceAsync()
    {
        if (move.Fence is { } fence)
        {
            move.Fence = null;
            try
            {
                await fence.DisposeAsync().ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not SimulatedCrashException)
            {
                // Disposing a handle is a store call, and one that failed may have left the fence on with no handle to it
                // left: a rollback or the cut-over lifts it by fencing again (see LiftStrayFenceAsync). The writes waited
                // until now all the same, so the hold counts in the fence statistics (until the failed release: what a
                // later lift adds is not known to have been a fence).
                move.FenceMayBeHeld = true;
                RecordFenceHeld();
                throw;
            }

            RecordFenceHeld();
        }

        void RecordFenceHeld()
        {
            var held = services.Time.GetElapsedTime(move.FenceAcquiredAt);
            move.FenceDuration = held;
            services.RecordFence(held);
        }
    }
}
