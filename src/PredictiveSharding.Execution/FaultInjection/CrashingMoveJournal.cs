using PredictiveSharding.Execution.Journal;

namespace PredictiveSharding.Execution.FaultInjection;

/// <summary>A journal wrapper that crashes (per a <see cref="CrashSwitch"/>) just before a record is written, or just after it is durable.</summary>
public sealed class CrashingMoveJournal : IMoveJournal
{
    private readonly IMoveJournal _inner;
    private readonly CrashSwitch _crash;

    /// <summary>Wraps <paramref name="inner"/>.</summary>
    public CrashingMoveJournal(IMoveJournal inner, CrashSwitch crash)
    {
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentNullException.ThrowIfNull(crash);
        _inner = inner;
        _crash = crash;
    }

    /// <inheritdoc />
    public string ClusterId => _inner.ClusterId;

    /// <inheritdoc />
    public ValueTask<MoveJournalContents> ReadAsync(CancellationToken cancellationToken)
    {
        _crash.Tick("journal read");
        return _inner.ReadAsync(cancellationToken);
    }

    /// <inheritdoc />
    public async ValueTask AppendAsync(MoveJournalRecord record, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        _crash.Tick($"before journalling {record.ActionId} {record.State}");
        await _inner.AppendAsync(record, cancellationToken).ConfigureAwait(false);
        _crash.Tick($"after journalling {record.ActionId} {record.State}");
    }

    /// <inheritdoc />
    public ValueTask RewriteAsync(IReadOnlyList<MoveJournalRecord> records, CancellationToken cancellationToken)
    {
        _crash.Tick("journal rewrite");
        return _inner.RewriteAsync(records, cancellationToken);
    }
}
