using System.Diagnostics.Metrics;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using PredictiveSharding.Execution.Diagnostics;
using PredictiveSharding.Execution.FaultInjection;
using PredictiveSharding.Execution.Journal;
using PredictiveSharding.Execution.Moves;
using PredictiveSharding.Execution.Reporting;
using PredictiveSharding.Execution.Resilience;
using PredictiveSharding.Execution.Throttling;
using PredictiveSharding.Execution.Validation;
using PredictiveSharding.Moving;
using PredictiveSharding.Planning;
using PredictiveSharding.Routing;

namespace PredictiveSharding.Execution;

/// <summary>
/// Carries out a <see cref="ShardingPlan"/> against the host's routing table and storage: splits and merges as routing
/// changes, moves as journalled state machines (copy in chunks, throttled → catch up on the change feed → verify ordered
/// checksums → fence, drain and publish the new owner → delete the old copy after a grace period), rolling back any
/// move that fails before its publish. After a crash, a new executor on the same journal finishes or undoes every
/// unfinished action in <see cref="RecoverAsync"/>.
/// </summary>
/// <remarks>
/// One plan at a time per executor, and one executor per journal. Progress goes to the <see cref="IProgress{T}"/> given to
/// <see cref="ExecuteAsync"/>, to <see cref="ProgressChanged"/> and to the Meter <c>PredictiveSharding.Execution</c>.
/// </remarks>
public sealed class ShardingExecutor : IAsyncDisposable
{
    /// <summary>After a plan the journal is compacted once it holds this many records (recovery always compacts).</summary>
    private const int CompactAfterPlanRecords = 4096;

    private readonly ExecutorServices _services;
    private readonly IDataMover _hostMover;
    private readonly IAsyncDisposable? _ownedJournal;
    private readonly NodeSlots _slots;
    private readonly SemaphoreSlim _gate = new(1, 1);

    /// <summary>Cancelled by <see cref="DisposeAsync"/>: stops a running plan or recovery, which it then waits for.</summary>
    private readonly CancellationTokenSource _disposing = new();
    private bool _recovered;

    /// <summary>
    /// True after a compaction failed: the next plan's end compacts whatever the journal holds, not only past
    /// <see cref="CompactAfterPlanRecords"/>. A failed recovery compaction left the finished records it was to drop until
    /// the next recovery (a restart) or the threshold; both can be far off.
    /// </summary>
    private bool _compactionOwed;
    private long _planNumber;
    private int _disposed;

    /// <summary>Creates an executor.</summary>
    /// <param name="routing">The cluster's routing table; moves publish new versions to it.</param>
    /// <param name="mover">The host's storage.</param>
    /// <param name="journal">Where transitions are journalled (e.g. a <see cref="FileMoveJournal"/>); not disposed by the executor.</param>
    /// <param name="options">Settings; null for the defaults. Validated and copied.</param>
    /// <param name="timeProvider">The clock for throttling, timeouts, grace periods and durations; null for the system clock.</param>
    /// <param name="logger">Where to log; null for none.</param>
    /// <param name="meterFactory">Creates the <c>PredictiveSharding.Execution</c> meter; null to create it directly.</param>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    /// <exception cref="JournalClusterMismatchException"><see cref="ExecutorOptions.ClusterId"/> is set and <paramref name="journal"/> belongs to another cluster.</exception>
    public ShardingExecutor(IRoutingTable routing, IDataMover mover, IMoveJournal journal, ExecutorOptions? options = null, TimeProvider? timeProvider = null, ILogger<ShardingExecutor>? logger = null, IMeterFactory? meterFactory = null)
        : this(routing, mover, journal, null, options, timeProvider, logger, meterFactory)
    {
    }

    private ShardingExecutor(IRoutingTable routing, IDataMover mover, IMoveJournal journal, IAsyncDisposable? ownedJournal, ExecutorOptions? options, TimeProvider? timeProvider, ILogger<ShardingExecutor>? logger, IMeterFactory? meterFactory)
    {
        ArgumentNullException.ThrowIfNull(routing);
        ArgumentNullException.ThrowIfNull(mover);
        ArgumentNullException.ThrowIfNull(journal);
        var settings = (options ?? new ExecutorOptions()).Clone();
        settings.Validate();
        if (!string.IsNullOrWhiteSpace(settings.ClusterId) && !string.Equals(settings.ClusterId, journal.ClusterId, StringComparison.Ordinal))
        {
            // Recovery would finish or undo the other cluster's moves against this cluster's store (deleting ranges).
            throw new JournalClusterMismatchException(journal is FileMoveJournal file ? file.Path : journal.GetType().Name, settings.ClusterId, journal.ClusterId);
        }

        var time = timeProvider ?? TimeProvider.System;
        ILogger log = logger ?? (ILogger)NullLogger.Instance;
        _hostMover = mover;
        _ownedJournal = ownedJournal;
        _slots = new NodeSlots(settings.MaxConcurrentMovesPerNode);
        var retry = new MoverRetry(settings, time, log);
        _services = new ExecutorServices
        {
            Mover = new RetryingDataMover(mover, retry),
            Retry = retry,
            Journal = journal,
            Routing = routing,
            Options = settings,
            Time = time,
            Logger = log,
            Metrics = new ExecutionMetrics(meterFactory),
            Throttle = new ByteThrottle(settings.ThrottleBytesPerSecond, time),
        };
    }

    /// <summary>Raised whenever an action of the running plan, or a move that recovery resumes (plan id <see cref="ExecutionProgress.RecoveryPlanId"/>), advances (state change, chunk copied, catch-up round). Reports of moves running at once come one at a time, in the order their counts were taken, each after the IProgress given to the call has had it; a handler must not wait for a later report. An exception a handler throws is logged (event 2017) and affects neither the action nor the other handlers.</summary>
    public event EventHandler<ExecutionProgress>? ProgressChanged;

    /// <summary>Hold times of the write fences this executor has taken: the count and the longest over all of them, the median (p50) over the latest 4,096.</summary>
    public FenceStatistics FenceStatistics => _services.FenceStatistics;

    /// <summary>Creates an executor over a <see cref="FileMoveJournal"/> at <see cref="ExecutorOptions.JournalPath"/> for <see cref="ExecutorOptions.ClusterId"/>; the executor disposes the journal.</summary>
    /// <exception cref="ArgumentException"><see cref="ExecutorOptions.JournalPath"/> or <see cref="ExecutorOptions.ClusterId"/> is not set, or the journal path names a folder.</exception>
    /// <exception cref="JournalClusterMismatchException">The journal belongs to another cluster.</exception>
    /// <exception cref="InvalidDataException">The file is not a move journal or its header is corrupted.</exception>
    public static async Task<ShardingExecutor> CreateAsync(IRoutingTable routing, IDataMover mover, ExecutorOptions options, TimeProvider? timeProvider = null, ILogger<ShardingExecutor>? logger = null, IMeterFactory? meterFactory = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (string.IsNullOrWhiteSpace(options.JournalPath))
        {
            throw new ArgumentException($"ExecutorOptions.JournalPath must name the journal file; got '{options.JournalPath}'.", nameof(options));
        }

        if (string.IsNullOrWhiteSpace(options.ClusterId))
        {
            throw new ArgumentException($"ExecutorOptions.ClusterId must name the cluster; got '{options.ClusterId}'.", nameof(options));
        }

        var journal = await FileMoveJournal.OpenAsync(options.JournalPath, options.ClusterId, cancellationToken).ConfigureAwait(false);
        try
        {
            return new ShardingExecutor(routing, mover, journal, journal, options, timeProvider, logger, meterFactory);
        }
        catch
        {
            await journal.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Reads the journal and ends every unfinished action: a move that reached its cut-over (the journal's last record of
    /// it is CuttingOver, RollingBack or CleaningUp) and whose new owner routing already names is carried forward (its old
    /// copy deleted after the grace period); one that had not, whose target routing names all the same (a change made
    /// outside the executor), is rolled back, deleting nothing of the target while routing gives it any key of the range,
    /// nor the source's copy; a move that was not published is resumed from its last journalled checkpoint when <see cref="ExecutorOptions.ResumeInterruptedMoves"/> is on and both nodes and the
    /// source's change capture are still there (the copy from its last chunk boundary, the catch-up from its last applied
    /// sequence, verification in full), and otherwise (the source failing to say whether it has the capture too) rolled
    /// back (capture stopped, target copy deleted, source stays the owner; left pending while a store call keeps failing),
    /// with the reason logged; a split or merge is completed if routing shows it, otherwise dropped. Then the
    /// journal is rewritten without finished actions. <see cref="ExecuteAsync"/> runs this first if it has not run, or if
    /// an earlier plan or recovery left an action pending.
    /// </summary>
    /// <remarks>
    /// A rewrite of the journal that fails does not change the recovery's result (nor stop the plan that runs after it):
    /// it is logged (event 2015) and counted (<c>psharding.journal.compaction_failures</c>), the journal keeps its
    /// records, and the end of the next plan (or a later recovery) compacts it. A cancellation during the rewrite is thrown.
    /// </remarks>
    /// <exception cref="InvalidOperationException">A plan or recovery is already running.</exception>
    public async Task<RecoveryReport> RecoverAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (!await _gate.WaitAsync(0, cancellationToken).ConfigureAwait(false))
        {
            ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
            throw new InvalidOperationException("This executor is already running a plan or a recovery.");
        }

        try
        {
            using var run = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _disposing.Token);
            return await RecoverCoreAsync(progress: null, run.Token).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Validates the whole plan against the current routing and the mover's nodes (refusing it before anything changes),
    /// then runs its actions: each after the earlier actions on overlapping ranges, moves in parallel up to
    /// <see cref="ExecutorOptions.MaxConcurrentMovesPerNode"/>. Returns what was done and verified per action.
    /// </summary>
    /// <remarks>
    /// When the recovery run first (see <see cref="RecoverAsync"/>) still leaves an earlier action pending (its clean-up or
    /// undo keeps failing), the plan's actions on ranges overlapping it are not started: each is reported
    /// <see cref="ActionOutcome.Skipped"/> with an <see cref="InvalidOperationException"/> naming the pending action, as
    /// are the actions that depend on it; the others run. The next plan or recovery tries the pending action again.
    /// After the plan the journal is compacted once it has grown past a threshold, or whatever it holds when an earlier
    /// compaction (after a plan or in a recovery) failed; a compaction that fails does not change the plan's result: it is
    /// logged (event 2014) and counted (<c>psharding.journal.compaction_failures</c>), the journal keeps its records, and
    /// the next plan tries again. Nor does one that fails in the recovery run before the plan (see
    /// <see cref="RecoverAsync"/>): the plan runs, and compacts the journal at its end.
    /// </remarks>
    /// <param name="plan">The plan.</param>
    /// <param name="progress">Receives progress, one report at a time with the finished count never going back within a plan id (moves running at once report from their own threads); the recovery run first, if any, reports before the plan under <see cref="ExecutionProgress.RecoveryPlanId"/> with counts of its own; every action's end is reported (a skipped action, or one left pending, in the state it ended in), so when the plan returns the last report counts every action finished. An exception its <c>Report</c> throws is logged (event 2017) and does not affect the plan. May be null.</param>
    /// <param name="cancellationToken">Cancels the plan: moves not yet published roll back, published ones finish or are left for recovery to clean up; then <see cref="OperationCanceledException"/> is thrown.</param>
    /// <exception cref="ArgumentException">The plan names an unknown partition or node, has a split key outside its partition, moves one range twice, moves a partition to its owner or from a node that does not own it, or merges partitions that cannot be merged. Nothing was changed.</exception>
    /// <exception cref="InvalidOperationException">A plan or recovery is already running.</exception>
    /// <exception cref="OperationCanceledException">Cancelled (after rolling back what was not published); when the plan ran, with its report in <see cref="Exception.Data"/> under <see cref="ExecutionReport.ExceptionDataKey"/>.</exception>
    /// <exception cref="SimulatedCrashException">A fault-injection wrapper "killed" the executor; nothing more was done.</exception>
    /// <exception cref="Exception">An action failed with an exception rather than a rollback (a journal write that failed, a
    /// bug): it is thrown once the plan's other actions have ended, with the report of those in its
    /// <see cref="Exception.Data"/> under <see cref="ExecutionReport.ExceptionDataKey"/>; the next plan first recovers the
    /// failed action.</exception>
    public async Task<ExecutionReport> ExecuteAsync(ShardingPlan plan, IProgress<ExecutionProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (!await _gate.WaitAsync(0, cancellationToken).ConfigureAwait(false))
        {
            ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
            throw new InvalidOperationException("This executor is already running a plan or a recovery.");
        }

        try
        {
            // The caller's cancellation, or DisposeAsync's.
            using var run = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _disposing.Token);
            IReadOnlyList<MoveJournalRecord> pending = [];
            if (!_recovered)
            {
                await RecoverCoreAsync(progress, run.Token).ConfigureAwait(false);
                if (!_recovered)
                {
                    // The recovery could not finish everything (a store call still fails): no action of this plan may touch
                    // those ranges, or the pending clean-up or undo could never be finished (see the note on IsPending below).
                    pending = await PendingActionsAsync(run.Token).ConfigureAwait(false);
                }
            }

            var schedule = PlanValidator.Validate(plan, _services.Routing.Current, _hostMover.Nodes);
            var started = _services.Time.GetTimestamp();
            var planId = string.Create(CultureInfo.InvariantCulture, $"p{++_planNumber}-{_services.Time.GetUtcNow().UtcTicks:x}");
            var expected = schedule.Sum(s => s.Action is MoveAction m ? m.Bytes : 0);
            var tracker = new PlanProgressTracker(planId, schedule.Count, expected, _services.Time, progress, RaiseProgressChanged, _services.Logger);
            ExecutorLog.PlanStarted(_services.Logger, planId, schedule.Count);

            using var stop = CancellationTokenSource.CreateLinkedTokenSource(run.Token);
            var tasks = new Task<ActionReport>[schedule.Count];
            for (var i = 0; i < schedule.Count; i++)
            {
                tasks[i] = RunActionAsync(planId, schedule[i], tasks, pending, tracker, stop);
            }

            try
            {
                await Task.WhenAll(tasks).ConfigureAwait(false);
            }
            catch (Exception) when (tasks.All(t => t.IsCompleted))
            {
                // Inspected below: a simulated crash is rethrown as such; anything else is a bug and is rethrown too.
            }

            // An action ends Canceled only when an OperationCanceledException escaped it that no cancellation of the plan
            // explains (a skipped or rolled-back action returns a report): a journal kept in the host's store that timed
            // out as HttpClient does, with a TaskCanceledException. That is a failure like any other.
            var failed = tasks.FirstOrDefault(t => t.IsFaulted) ?? tasks.FirstOrDefault(t => t.IsCanceled);
            if (failed is not null)
            {
                // An action that failed this way (a journal write, a bug) stopped where its last record says, with its capture
                // and any partial copy still there: the next plan recovers it first, as a restarted executor would.
                _recovered = false;
                var error = failed.Exception?.InnerException ?? CanceledError(failed);
                if (error is not null and not SimulatedCrashException)
                {
                    // The plan's other actions ran to their end: a move that completed is in force and its bytes were moved.
                    // Thrown away with the report, they were in no summary, log or meter of the caller's (ExceptionDataKey).
                    var ended = tasks.Where(t => t.IsCompletedSuccessfully).Select(t => t.Result).ToArray();
                    var partial = new ExecutionReport(planId, ended, FenceStatistics.From([.. ended.Where(r => r.FenceDuration is not null).Select(r => r.FenceDuration!.Value)]), _services.Time.GetElapsedTime(started));
                    ExecutorLog.PlanFinished(_services.Logger, planId, partial.Duration, partial.CompletedCount, partial.RolledBackCount, schedule.Count - partial.CompletedCount - partial.RolledBackCount);
                    error.Data[ExecutionReport.ExceptionDataKey] = partial;
                }

                // Rethrows the action's own exception (for a Canceled task, the OperationCanceledException it ended with).
                failed.GetAwaiter().GetResult();
            }

            var reports = tasks.Select(t => t.Result).ToArray();
            if (reports.Any(IsPending))
            {
                // A clean-up or rollback left pending (a cancellation in the grace period, a failing store call) is finished
                // before the next plan: once a later plan moved the range on, recovery could no longer tell that the old
                // owner's copy is stale, and it would stay there for good.
                _recovered = false;
            }

            var fences = FenceStatistics.From([.. reports.Where(r => r.FenceDuration is not null).Select(r => r.FenceDuration!.Value)]);
            var report = new ExecutionReport(planId, reports, fences, _services.Time.GetElapsedTime(started));
            ExecutorLog.PlanFinished(_services.Logger, planId, report.Duration, report.CompletedCount, report.RolledBackCount, reports.Length - report.CompletedCount - report.RolledBackCount);
            try
            {
                await CompactJournalAsync(_compactionOwed ? 0 : CompactAfterPlanRecords, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not SimulatedCrashException)
            {
                // The plan's records are durable and a rewrite that fails leaves the journal as it was (IMoveJournal), so
                // the plan's outcome stands: throwing here told the caller that a completed plan had failed. The journal
                // still holds more records than the threshold, so the next plan tries again.
                _services.Metrics.JournalCompactionFailures.Add(1);
                ExecutorLog.JournalCompactionFailed(_services.Logger, planId, ex);
            }

            if ((cancellationToken.IsCancellationRequested ? cancellationToken : _disposing.Token) is { IsCancellationRequested: true } cancelledBy)
            {
                // With the report, as after an action's failure: a move published before the cancellation stands and its bytes
                // were moved, and the caller (a host stopping) can meter and log that only from here.
                var cancelled = new OperationCanceledException(string.Create(CultureInfo.InvariantCulture, $"Plan {planId} was cancelled after {report.CompletedCount} of its {reports.Length} action(s) completed; the others were rolled back, skipped or left for the next recovery."), null, cancelledBy);
                cancelled.Data[ExecutionReport.ExceptionDataKey] = report;
                throw cancelled;
            }

            return report;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Stops a running plan or recovery as its cancellation would (moves not yet published roll back, a clean-up is left
    /// to the next recovery) and waits for it to end, then releases the throttle, the meter and, when the executor opened
    /// it, the journal. Nothing is changed in the store or the journal after this returns.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _disposing.CancelAsync().ConfigureAwait(false);
        await _gate.WaitAsync().ConfigureAwait(false);
        _disposing.Dispose();
        _services.Throttle.Dispose();
        _services.Metrics.Dispose();
        _slots.Dispose();
        if (_ownedJournal is not null)
        {
            await _ownedJournal.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <remarks>
    /// A resumed move reports its progress as a plan's does, under the plan id <c>recovery</c>: it can copy for as long as
    /// any move, and a caller watching progress (the hosted loop's health check) must not take it for a stall.
    /// </remarks>
    private async Task<RecoveryReport> RecoverCoreAsync(IProgress<ExecutionProgress>? progress, CancellationToken cancellationToken)
    {
        var contents = await _services.Journal.ReadAsync(cancellationToken).ConfigureAwait(false);
        if (contents.Repair is { } repair)
        {
            ExecutorLog.JournalRepaired(_services.Logger, repair.Offset, repair.DroppedBytes, repair.Reason);
        }

        var unfinished = LastRecords(contents.Records).Where(r => r.State is not (MoveState.Completed or MoveState.RolledBack)).ToList();
        foreach (var record in contents.Records)
        {
            _planNumber = Math.Max(_planNumber, PlanNumber(record.ActionId));
        }

        var reports = new List<ActionReport>();
        // Expected bytes 0: the journal keeps what a move has copied, not what its plan expected.
        var tracker = new PlanProgressTracker(ExecutionProgress.RecoveryPlanId, unfinished.Count, 0, _services.Time, progress, RaiseProgressChanged, _services.Logger);
        foreach (var record in unfinished)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var report = record.Kind == ActionKind.Move
                ? await RecoverMoveAsync(record, tracker, cancellationToken).ConfigureAwait(false)
                : await RecoverRoutingOnlyAsync(record).ConfigureAwait(false);
            reports.Add(report);
            tracker.ActionEnded(report, 0);
        }

        try
        {
            await CompactJournalAsync(0, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not SimulatedCrashException && !(ex is OperationCanceledException && cancellationToken.IsCancellationRequested))
        {
            // Housekeeping, as after a plan: every recovered action's end is journalled, and a rewrite that fails leaves
            // the journal readable and appendable with the old or the new content (IMoveJournal), either of which a later
            // recovery reads the same way. Throwing here failed the plan that runs after the recovery (on a full disk,
            // every plan), for records that only cost space. A later recovery, or a plan's compaction, tries again.
            _services.Metrics.JournalCompactionFailures.Add(1);
            ExecutorLog.RecoveryJournalCompactionFailed(_services.Logger, reports.Count, ex);
        }

        // What is still pending (cancelled, or a store call failed) is tried again before the next plan.
        _recovered = !reports.Any(IsPending);
        return new RecoveryReport(reports, contents.Repair);
    }

    /// <summary>
    /// Raises <see cref="ProgressChanged"/> to each handler in turn; a handler's exception is logged (event 2017) and goes no
    /// further: raised from inside a move's step, it rolled the move back, or stopped it and failed the plan, and it kept
    /// the handlers after it from the report.
    /// </summary>
    private void RaiseProgressChanged(ExecutionProgress update)
    {
        if (ProgressChanged is not { } handlers)
        {
            return;
        }

        foreach (var handler in handlers.GetInvocationList())
        {
            PlanProgressTracker.Deliver(_services.Logger, update, p => ((EventHandler<ExecutionProgress>)handler)(this, p));
        }
    }

    /// <summary>Rewrites the journal with only unfinished actions (their last record carries all a recovery needs) once it holds more than <paramref name="threshold"/> records.</summary>
    private async Task CompactJournalAsync(int threshold, CancellationToken cancellationToken)
    {
        try
        {
            var contents = await _services.Journal.ReadAsync(cancellationToken).ConfigureAwait(false);
            if (contents.Records.Count <= threshold)
            {
                return;
            }

            var keep = LastRecords(contents.Records).Where(r => r.State is not (MoveState.Completed or MoveState.RolledBack)).ToList();
            if (keep.Count != contents.Records.Count)
            {
                await _services.Journal.RewriteAsync(keep, cancellationToken).ConfigureAwait(false);
            }

            _compactionOwed = false;
        }
        catch (Exception ex) when (!(ex is OperationCanceledException && cancellationToken.IsCancellationRequested))
        {
            // Owed until one succeeds (see _compactionOwed). A rewrite the caller cancelled owes nothing new: a plan's
            // compaction takes no token, and a cancelled recovery is run again before the next plan.
            _compactionOwed = true;
            throw;
        }
    }

    private async Task<ActionReport> RecoverMoveAsync(MoveJournalRecord record, PlanProgressTracker tracker, CancellationToken cancellationToken)
    {
        var move = MoveContext.FromRecord(record, _services.Time.GetTimestamp());
        MoveState start;
        if (move.MayHavePublished && _services.RoutingNames(move.Partition, move.Range, move.To))
        {
            ExecutorLog.Recovering(_services.Logger, record.ActionId, record.State, "the target owns the range: finish the clean-up");
            // A deadline later than one grace period from now was taken on a clock ahead of this one (another machine's,
            // or this one's before it was stepped back): the grace period is counted from now at the latest.
            var latest = _services.Time.GetUtcNow() + _services.Options.CleanupGracePeriod;
            move.CleanupAfter = move.CleanupAfter is { } journalled && journalled < latest ? journalled : latest;
            start = MoveState.CleaningUp;
        }
        else
        {
            var (resumeAt, why) = await ResumePointAsync(move, record.State, cancellationToken).ConfigureAwait(false);
            ExecutorLog.Recovering(_services.Logger, record.ActionId, record.State, why);
            if (resumeAt is { } state)
            {
                move.Resumed = true;
                move.NextSequence = record.NextSequence ?? move.Capture?.StartSequence ?? 0;
                _services.Metrics.MovesResumed.Add(1);
                start = state;
            }
            else
            {
                move.Error = new InvalidOperationException($"The executor stopped in state {record.State} before the new owner was published; recovery rolled the move back: {why}.");
                start = MoveState.RollingBack;
            }
        }

        if (record.State is MoveState.CuttingOver or MoveState.RollingBack && _hostMover.Nodes.Contains(move.From))
        {
            // The interrupted run may have fenced the source's range in a call that threw (its reply lost), or a store
            // whose fences outlive the executor kept the cut-over's (before or after its publish): a rollback lifts such
            // a fence, and so does a move resumed or carried forward, before it goes on (see MoveStateMachine). Fencing
            // again returns a handle to it (IDataMover: fences are idempotent), whose disposal lifts it.
            move.FenceMayBeHeld = true;
        }

        var final = await new MoveStateMachine(move, _services, tracker.Report)
            .RunAsync(start, cancellationToken).ConfigureAwait(false);
        return Report(move, final, ActionKind.Move);
    }

    /// <summary>
    /// Where an unpublished move can go on from after a crash, or null (with the reason) when only a rollback is safe:
    /// resuming needs both nodes and the source's change capture, since without the capture the writes made to the range
    /// since the copy began cannot be replayed onto the target.
    /// </summary>
    private async Task<(MoveState? State, string Why)> ResumePointAsync(MoveContext move, MoveState journalled, CancellationToken cancellationToken)
    {
        if (journalled == MoveState.RollingBack)
        {
            return (null, "the source owns the range and the move was already rolling back: finish the rollback");
        }

        if (!_services.Options.ResumeInterruptedMoves)
        {
            return (null, "the source owns the range and ExecutorOptions.ResumeInterruptedMoves is off: roll back");
        }

        if (!_hostMover.Nodes.Contains(move.From) || !_hostMover.Nodes.Contains(move.To))
        {
            return (null, $"the source owns the range but node '{(_hostMover.Nodes.Contains(move.From) ? move.To : move.From)}' is gone: roll back");
        }

        if (!_services.RoutingNames(move.Partition, move.Range, move.From))
        {
            return (null, "routing no longer names the source as the range's owner: roll back");
        }

        if (journalled == MoveState.Preparing)
        {
            // Nothing was copied yet; preparing again is idempotent (the capture, if it was started, is reused).
            return (MoveState.Preparing, "the source owns the range and the move had not started copying: resume by preparing again");
        }

        try
        {
            move.Capture = await _services.Mover.ResumeChangeCaptureAsync(move.From, move.ActionId, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not SimulatedCrashException && !(ex is OperationCanceledException && cancellationToken.IsCancellationRequested))
        {
            // As any store call that fails before the publish does, this one rolls the move back (left pending while the
            // node keeps failing). Thrown out of recovery, it stopped every other unfinished action's recovery and every
            // later plan, on unrelated ranges too, for as long as one node did not answer.
            return (null, $"the source owns the range but node '{move.From}' could not be asked for the move's change capture ({ex.GetType().Name}: {ex.Message}): roll back");
        }

        if (move.Capture is null)
        {
            return (null, $"the source owns the range but node '{move.From}' lost the move's change capture, so the writes since the copy began cannot be replayed: roll back");
        }

        return journalled switch
        {
            MoveState.Copying => (MoveState.Copying, move.CopyResumeFrom is { } key
                ? $"the source owns the range: resume the copy from the journalled chunk boundary {key}"
                : "the source owns the range: resume the copy from the range start (no chunk boundary was journalled)"),
            MoveState.CatchingUp or MoveState.Verifying => (MoveState.CatchingUp, "the source owns the range: resume the catch-up from the journalled change-feed position, then verify again"),

            // The fence died with the executor and routing shows no publish: catch up again, verify again, cut over again.
            MoveState.CuttingOver => (MoveState.CatchingUp, "the source owns the range and the cut-over did not publish: resume the catch-up, then verify and cut over again"),
            _ => (null, $"the source owns the range and state {journalled} cannot be resumed: roll back"),
        };
    }

    private async Task<ActionReport> RecoverRoutingOnlyAsync(MoveJournalRecord record)
    {
        var final = await RoutingOnlyAction.FromRecord(record, _services).RecoverAsync().ConfigureAwait(false);
        return new ActionReport
        {
            Index = -1,
            ActionId = record.ActionId,
            Kind = record.Kind,
            Partition = new Topology.PartitionId(record.Partition),
            Outcome = final == MoveState.Completed ? ActionOutcome.Completed : ActionOutcome.RolledBack,
            FinalState = final,
        };
    }

    private async Task<ActionReport> RunActionAsync(string planId, ScheduledAction action, Task<ActionReport>[] tasks, IReadOnlyList<MoveJournalRecord> pending, PlanProgressTracker tracker, CancellationTokenSource stop)
    {
        var actionId = string.Create(CultureInfo.InvariantCulture, $"{planId}.a{action.Index}");
        try
        {
            var report = await StartActionAsync(action, actionId, tasks, pending, tracker, stop).ConfigureAwait(false);
            tracker.ActionEnded(report, action.Action is MoveAction move ? move.Bytes : 0);
            return report;
        }
        catch (SimulatedCrashException)
        {
            // A dead process does nothing more: stop the other actions at their next step.
            await stop.CancelAsync().ConfigureAwait(false);
            throw;
        }
        finally
        {
            tracker.ActionFinished(actionId);
        }
    }

    /// <summary>Runs an action once the actions it depends on have ended, or returns it skipped.</summary>
    private async Task<ActionReport> StartActionAsync(ScheduledAction action, string actionId, Task<ActionReport>[] tasks, IReadOnlyList<MoveJournalRecord> pending, PlanProgressTracker tracker, CancellationTokenSource stop)
    {
        var blocking = pending.Where(r => KeyText.Range(r).Overlaps(action.Range)).Select(r => $"'{r.ActionId}' ({r.State})").ToList();
        if (blocking.Count > 0)
        {
            // Once this action changed the range's routing, recovery could no longer tell that the old copy a pending
            // clean-up (or the partial copy a pending undo) is to delete is stale, and it would stay there for good.
            return Skipped(action, actionId, new InvalidOperationException($"Action #{action.Index} on {action.Range} was not started: earlier action(s) {string.Join(", ", blocking)} on an overlapping range are still pending, and the next recovery must finish them first."));
        }

        foreach (var dependency in action.DependsOn)
        {
            var before = await tasks[dependency].ConfigureAwait(false);
            if (before.Outcome != ActionOutcome.Completed)
            {
                return Skipped(action, actionId, new InvalidOperationException($"Action #{action.Index} depends on action #{dependency} ({before.ActionId}), which ended {before.Outcome}."));
            }
        }

        if (stop.IsCancellationRequested)
        {
            // A cancelled plan starts nothing more: a split or merge would otherwise still publish (it takes no token).
            return Skipped(action, actionId, new OperationCanceledException($"Action #{action.Index} was not started: the plan was cancelled.", null, stop.Token));
        }

        var report = action.Kind == ActionKind.Move
            ? await RunMoveAsync(action, actionId, tracker, stop.Token).ConfigureAwait(false)
            : await RunRoutingOnlyAsync(action, actionId, tracker).ConfigureAwait(false);
        ExecutorLog.ActionFinished(_services.Logger, actionId, action.Kind, action.Partition.Value, report.Outcome, report.Duration);
        return report;
    }

    private async Task<ActionReport> RunMoveAsync(ScheduledAction action, string actionId, PlanProgressTracker tracker, CancellationToken cancellationToken)
    {
        var from = action.From!.Value;
        var to = action.To!.Value;
        IDisposable slots;
        try
        {
            slots = await _slots.AcquireAsync(from, to, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException ex)
        {
            return Skipped(action, actionId, ex);
        }

        using (slots)
        {
            if (!_services.RoutingNames(action.Partition, action.Range, from))
            {
                return Skipped(action, actionId, new InvalidOperationException($"Partition '{action.Partition}' is no longer {action.Range} on '{from}' in routing version {_services.Routing.Current.Version}; the move was not started."));
            }

            var move = new MoveContext
            {
                ActionId = actionId,
                Index = action.Index,
                Partition = action.Partition,
                Range = action.Range,
                From = from,
                To = to,
                BytesExpected = ((MoveAction)action.Action).Bytes,
                StartedAt = _services.Time.GetTimestamp(),
            };
            _services.Metrics.MovesStarted.Add(1);
            var final = await new MoveStateMachine(move, _services, tracker.Report).RunAsync(MoveState.Preparing, cancellationToken).ConfigureAwait(false);
            return Report(move, final, ActionKind.Move);
        }
    }

    private async Task<ActionReport> RunRoutingOnlyAsync(ScheduledAction action, string actionId, PlanProgressTracker tracker)
    {
        var started = _services.Time.GetTimestamp();
        var routingOnly = action.Action switch
        {
            SplitAction split => RoutingOnlyAction.Split(actionId, split.Partition, action.Range, split.SplitKeys, split.NewPartitions, _services),
            MergeAction merge => RoutingOnlyAction.Merge(actionId, merge.Left, merge.Right, merge.Merged, action.Range, _services),
            _ => throw new InvalidOperationException($"Action #{action.Index} is not a routing-only action."),
        };

        MoveState final;
        Exception? error = null;
        try
        {
            final = await routingOnly.RunAsync().ConfigureAwait(false);
        }
        catch (ArgumentException ex)
        {
            final = MoveState.RolledBack;
            error = ex;
        }

        tracker.Report(new MoveProgress { ActionId = actionId, Kind = action.Kind, Partition = action.Partition, State = final });
        return new ActionReport
        {
            Index = action.Index,
            ActionId = actionId,
            Kind = action.Kind,
            Partition = action.Partition,
            Outcome = final == MoveState.Completed ? ActionOutcome.Completed : ActionOutcome.RolledBack,
            FinalState = final,
            RoutingVersion = routingOnly.PublishedVersion,
            Duration = _services.Time.GetElapsedTime(started),
            Error = error,
        };
    }

    private ActionReport Report(MoveContext move, MoveState final, ActionKind kind) => new()
    {
        Index = move.Index,
        ActionId = move.ActionId,
        Kind = kind,
        Partition = move.Partition,
        From = move.From,
        To = move.To,
        Outcome = final switch
        {
            MoveState.RolledBack when move.Refused => ActionOutcome.Skipped,
            MoveState.Completed => ActionOutcome.Completed,
            MoveState.RolledBack => ActionOutcome.RolledBack,
            MoveState.CleaningUp => ActionOutcome.CleanupPending,
            _ => ActionOutcome.RollbackPending,
        },
        FinalState = final,
        Verified = move.Verified is not null && final is MoveState.Completed or MoveState.CleaningUp,
        VerifiedKeys = final is MoveState.Completed or MoveState.CleaningUp ? move.Verified?.KeyCount ?? 0 : 0,
        VerifiedBytes = final is MoveState.Completed or MoveState.CleaningUp ? move.Verified?.Bytes ?? 0 : 0,
        BytesCopied = move.BytesCopied,
        KeysCopied = move.KeysCopied,
        ChangesApplied = move.ChangesApplied,
        CatchUpRounds = move.CatchUpRounds,
        FenceDuration = move.FenceDuration,
        RoutingVersion = move.PublishedVersion,
        ResumedFromCheckpoint = move.Resumed,
        Duration = _services.Time.GetElapsedTime(move.StartedAt),
        Error = move.Error,
    };

    private static ActionReport Skipped(ScheduledAction action, string actionId, Exception reason) => new()
    {
        Index = action.Index,
        ActionId = actionId,
        Kind = action.Kind,
        Partition = action.Partition,
        From = action.From,
        To = action.To,
        Outcome = ActionOutcome.Skipped,
        FinalState = action.Kind == ActionKind.Move ? MoveState.Preparing : MoveState.Publishing,
        Error = reason,
    };

    /// <summary>The journal's unfinished actions (after a recovery, the ones it left pending).</summary>
    private async Task<IReadOnlyList<MoveJournalRecord>> PendingActionsAsync(CancellationToken cancellationToken)
    {
        var contents = await _services.Journal.ReadAsync(cancellationToken).ConfigureAwait(false);
        return LastRecords(contents.Records).Where(r => r.State is not (MoveState.Completed or MoveState.RolledBack)).ToList();
    }

    /// <summary>The OperationCanceledException a Canceled task ends with (a task holds none for it to read).</summary>
    private static OperationCanceledException? CanceledError(Task task)
    {
        try
        {
            task.GetAwaiter().GetResult();
            return null;
        }
        catch (OperationCanceledException ex)
        {
            return ex;
        }
    }

    private static bool IsPending(ActionReport report) => report.Outcome is ActionOutcome.CleanupPending or ActionOutcome.RollbackPending;

    private static List<MoveJournalRecord> LastRecords(IReadOnlyList<MoveJournalRecord> records)
    {
        var last = new Dictionary<string, MoveJournalRecord>(StringComparer.Ordinal);
        var order = new List<string>();
        foreach (var record in records)
        {
            if (!last.ContainsKey(record.ActionId))
            {
                order.Add(record.ActionId);
            }

            last[record.ActionId] = record;
        }

        return [.. order.Select(id => last[id])];
    }

    private static long PlanNumber(string actionId)
    {
        // Ids look like "p12-8ddf0c1a2b3c4d5.a3"; anything else is ignored.
        var dash = actionId.IndexOf('-', StringComparison.Ordinal);
        return actionId.StartsWith('p') && dash > 1 && long.TryParse(actionId.AsSpan(1, dash - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : 0;
    }
}
