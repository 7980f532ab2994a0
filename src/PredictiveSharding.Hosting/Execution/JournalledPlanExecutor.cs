using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using PredictiveSharding.Execution;
using PredictiveSharding.Executing;
using PredictiveSharding.Hosting.Diagnostics;
using PredictiveSharding.Moving;
using PredictiveSharding.Planning;
using PredictiveSharding.Routing;

namespace PredictiveSharding.Hosting.Execution;

/// <summary>
/// The default <see cref="IPlanExecutor"/>: the Execution package's journalled <see cref="ShardingExecutor"/> over the host's
/// <see cref="IDataMover"/>. The executor (and its file journal) is opened on first use, which also recovers whatever a
/// previous process left unfinished.
/// </summary>
public sealed class JournalledPlanExecutor : IPlanExecutor, IAsyncDisposable, IDisposable
{
    private readonly IRoutingTable _routing;
    private readonly IDataMover _mover;
    private readonly ExecutorOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<ShardingExecutor>? _logger;
    private readonly IMeterFactory? _meterFactory;
    private readonly SemaphoreSlim _open = new(1, 1);
    private ShardingExecutor? _executor;
    private int _disposed;

    /// <summary>Creates the executor; nothing is opened until the first plan. The options are copied and validated here, so changing them afterwards does not affect it.</summary>
    /// <exception cref="ArgumentException">The options lack a journal path or cluster id, the journal path names a folder, or the options are out of range.</exception>
    public JournalledPlanExecutor(IRoutingTable routing, IDataMover mover, ExecutorOptions options, TimeProvider? timeProvider = null, ILogger<ShardingExecutor>? logger = null, IMeterFactory? meterFactory = null)
    {
        ArgumentNullException.ThrowIfNull(routing);
        ArgumentNullException.ThrowIfNull(mover);
        ArgumentNullException.ThrowIfNull(options);

        // A copy, validated here: the executor (and its journal) opens with the first plan, after the loop's warm-up, and
        // read the host's object then, so a change made meanwhile reached it, validated only then.
        options = options.Clone();
        options.Validate();
        if (string.IsNullOrWhiteSpace(options.JournalPath) || string.IsNullOrWhiteSpace(options.ClusterId))
        {
            throw new ArgumentException($"ExecutorOptions.JournalPath and ClusterId must be set; got '{options.JournalPath}' and '{options.ClusterId}'.", nameof(options));
        }

        if (Path.EndsInDirectorySeparator(options.JournalPath) || Directory.Exists(options.JournalPath))
        {
            // Checked here, at the host's start: the journal is opened by the first plan, after the loop's warm-up (hours by
            // default), and a folder failed every cycle from then on.
            throw new ArgumentException($"ExecutorOptions.JournalPath names a folder ('{Path.GetFullPath(options.JournalPath)}'); give the path of the journal file (for example '{Path.Join(options.JournalPath, "psharding-moves.journal")}').", nameof(options));
        }

        _routing = routing;
        _mover = mover;
        _options = options;
        _time = timeProvider ?? TimeProvider.System;
        _logger = logger;
        _meterFactory = meterFactory;
    }

    /// <inheritdoc />
    public Task<PlanExecutionSummary> ExecuteAsync(ShardingPlan plan, CancellationToken cancellationToken) =>
        ExecuteAsync(plan, progress: null, cancellationToken);

    /// <inheritdoc />
    /// <remarks>
    /// Reports every <see cref="ExecutionProgress"/> the journalled executor sends: each chunk copied and each state change
    /// of a move, those of an earlier plan's move that the recovery run first finishes included (in the plan's terms:
    /// its total, nothing finished or copied yet), so the counts never go back. The summary counts the plan's own actions only, never an earlier plan's that the recovery run before it
    /// finished. An action that fails with an exception rather than a rollback (a journal write that failed) is thrown once
    /// the plan's other actions have ended, as <see cref="ShardingExecutor.ExecuteAsync"/> throws it, with their summary under
    /// <see cref="PlanExecutionSummary.ExceptionDataKey"/>; the control loop then still meters and logs what those actions did
    /// (a completed move is in force, its bytes moved) and fails the cycle.
    /// </remarks>
    public async Task<PlanExecutionSummary> ExecuteAsync(ShardingPlan plan, IProgress<PlanExecutionProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        var executor = await OpenAsync(cancellationToken).ConfigureAwait(false);
        ExecutionReport report;
        try
        {
            report = await executor.ExecuteAsync(plan, progress is null ? null : new ProgressForwarder(progress, plan.Actions.Count, plan.Actions.OfType<MoveAction>().Sum(m => m.Bytes)), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex.Data[ExecutionReport.ExceptionDataKey] is ExecutionReport partial)
        {
            // An action failed with an exception after the plan's other actions ended: what those did stands (a completed
            // move is in force and its bytes were moved), and the control loop meters and logs it from here.
            ex.Data[PlanExecutionSummary.ExceptionDataKey] = Summarize(plan, partial, ex);
            throw;
        }

        return Summarize(plan, report, stoppedBy: null);
    }

    /// <summary>
    /// The summary of <paramref name="report"/>: its counts, bytes and errors are of the plan's own actions (by their index
    /// in the plan), never of actions of earlier plans that the recovery run before it finished. When
    /// <paramref name="stoppedBy"/> is set, the plan's actions missing from the report are each named in the errors with it.
    /// </summary>
    private static PlanExecutionSummary Summarize(ShardingPlan plan, ExecutionReport report, Exception? stoppedBy)
    {
        // ShardingExecutor's plan report holds no recovery report today; filtered all the same, since a move an earlier
        // plan left and this recovery finished counted as this plan's would reset the loop's ConsecutiveFailedPlans.
        var own = report.Actions.Where(a => a.Index >= 0 && a.Index < plan.Actions.Count).ToList();
        var errors = own
            .Where(a => a.Outcome != ActionOutcome.Completed)
            .Select(a => $"{a.Kind} of '{a.Partition}' ({a.From} -> {a.To}) ended {a.Outcome} in state {a.FinalState}: {a.Error?.Message ?? "no error recorded"}")
            .ToList();
        var results = own
            .OrderBy(a => a.Index)
            .Select(a => new PlanActionResult(plan.Actions[a.Index], StatusOf(a.Outcome), a.Outcome == ActionOutcome.Completed ? null : a.Error?.Message ?? "no error recorded"))
            .ToList();
        if (stoppedBy is not null)
        {
            var ended = own.Select(a => a.Index).ToHashSet();
            errors.AddRange(Enumerable.Range(0, plan.Actions.Count)
                .Where(i => !ended.Contains(i))
                .Select(i => $"{Describe(plan.Actions[i])} did not end: the executor stopped on {stoppedBy.GetType().Name}: {stoppedBy.Message}; its next plan recovers it first"));
        }

        return new PlanExecutionSummary(
            own.Count(a => a.Outcome == ActionOutcome.Completed),
            own.Count(a => a.Outcome == ActionOutcome.RolledBack),
            // A move left with its clean-up pending moved its bytes too: its new owner serves them.
            own.Where(a => a.Outcome is ActionOutcome.Completed or ActionOutcome.CleanupPending).Sum(a => a.BytesCopied),
            errors)
        {
            Actions = results,
        };
    }

    private static string Describe(ShardingAction action) => action switch
    {
        MoveAction move => $"Move of '{move.Shard}' ({move.From} -> {move.To})",
        SplitAction split => $"Split of '{split.Partition}'",
        MergeAction merge => $"Merge of '{merge.Left}' and '{merge.Right}'",
        _ => action.GetType().Name,
    };

    private static PlanActionStatus StatusOf(ActionOutcome outcome) => outcome switch
    {
        ActionOutcome.Completed => PlanActionStatus.Completed,
        ActionOutcome.CleanupPending => PlanActionStatus.CompletedCleanupPending,
        ActionOutcome.RolledBack => PlanActionStatus.RolledBack,
        ActionOutcome.RollbackPending => PlanActionStatus.RollbackPending,
        ActionOutcome.Skipped => PlanActionStatus.Skipped,
        _ => throw new ArgumentOutOfRangeException(nameof(outcome), outcome, "Unknown action outcome."),
    };

    /// <summary>
    /// Disposes synchronously, for a service provider disposed with <c>Dispose</c> (which throws for a resolved service
    /// that is only <see cref="IAsyncDisposable"/>). Prefer <see cref="DisposeAsync"/>.
    /// </summary>
    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    /// <inheritdoc />
    /// <remarks>
    /// An open in progress finishes first, so the executor (and journal) it opens is disposed here too rather than left
    /// open. The open semaphore is not disposed: an open finishing meanwhile must still release it (a
    /// <see cref="SemaphoreSlim"/> holds no unmanaged handle unless its wait handle is asked for, which this one's never is).
    /// </remarks>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _open.WaitAsync().ConfigureAwait(false);
        ShardingExecutor? executor;
        try
        {
            executor = _executor;
        }
        finally
        {
            _open.Release();
        }

        if (executor is not null)
        {
            await executor.DisposeAsync().ConfigureAwait(false);
        }
    }

    private async Task<ShardingExecutor> OpenAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _executor) is { } open)
        {
            return open;
        }

        await _open.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // Disposed while this call waited: open nothing that no one would dispose.
            ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
            _executor ??= await ShardingExecutor.CreateAsync(_routing, _mover, _options, _time, _logger, _meterFactory, cancellationToken).ConfigureAwait(false);
            return _executor;
        }
        finally
        {
            _open.Release();
        }
    }
}
