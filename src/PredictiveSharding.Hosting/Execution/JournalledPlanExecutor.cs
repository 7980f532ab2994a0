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

    /// <summary>Creates the executor; nothing is opened until the first plan.</summary>
    /// <exception cref="ArgumentException">The options lack a journal path or cluster id, or are out of range.</exception>
    public JournalledPlanExecutor(IRoutingTable routing, IDataMover mover, ExecutorOptions options, TimeProvider? timeProvider = null, ILogger<ShardingExecutor>? logger = null, IMeterFactory? meterFactory = null)
    {
        ArgumentNullException.ThrowIfNull(routing);
        ArgumentNullException.ThrowIfNull(mover);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (string.IsNullOrWhiteSpace(options.JournalPath) || string.IsNullOrWhiteSpace(options.ClusterId))
        {
            throw new ArgumentException($"ExecutorOptions.JournalPath and ClusterId must be set; got '{options.JournalPath}' and '{options.ClusterId}'.", nameof(options));
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
    /// <remarks>Reports every <see cref="ExecutionProgress"/> the journalled executor sends: each chunk copied and each state change of a move.</remarks>
    public async Task<PlanExecutionSummary> ExecuteAsync(ShardingPlan plan, IProgress<PlanExecutionProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        var executor = await OpenAsync(cancellationToken).ConfigureAwait(false);
        var report = await executor.ExecuteAsync(plan, progress is null ? null : new ProgressForwarder(progress), cancellationToken).ConfigureAwait(false);
        var errors = report.Actions
            .Where(a => a.Outcome != ActionOutcome.Completed)
            .Select(a => $"{a.Kind} of '{a.Partition}' ({a.From} -> {a.To}) ended {a.Outcome} in state {a.FinalState}: {a.Error?.Message ?? "no error recorded"}")
            .ToList();
        // Recovery's reports (index -1) belong to earlier plans; this plan's are by its action index.
        var results = report.Actions
            .Where(a => a.Index >= 0 && a.Index < plan.Actions.Count)
            .OrderBy(a => a.Index)
            .Select(a => new PlanActionResult(plan.Actions[a.Index], StatusOf(a.Outcome), a.Outcome == ActionOutcome.Completed ? null : a.Error?.Message ?? "no error recorded"))
            .ToList();
        return new PlanExecutionSummary(report.CompletedCount, report.RolledBackCount, report.Actions.Where(a => a.Outcome == ActionOutcome.Completed).Sum(a => a.BytesCopied), errors)
        {
            Actions = results,
        };
    }

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
