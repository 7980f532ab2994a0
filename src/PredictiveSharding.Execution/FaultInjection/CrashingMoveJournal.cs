using PredictiveSharding.Execution.Journal;

namespace PredictiveSharding.Execution.FaultInjection;

/// <summary>
/// A journal wrapper that crashes (per a <see cref="CrashSwitch"/>) just before a record is written, or just after it is
/// appended. Optionally it plays a crash of the machine, not only of the process: records appended without a sync are
/// held back until the next synced append, so a crash before that loses them.
/// </summary>
public sealed class CrashingMoveJournal : IMoveJournal
{
    private readonly IMoveJournal _inner;
    private readonly CrashSwitch _crash;
    private readonly List<MoveJournalRecord>? _unsynced;

    /// <summary>Wraps <paramref name="inner"/>; a crash keeps every record appended before it (a crash of the process).</summary>
    public CrashingMoveJournal(IMoveJournal inner, CrashSwitch crash)
        : this(inner, crash, loseUnsyncedRecords: false)
    {
    }

    /// <summary>Wraps <paramref name="inner"/>.</summary>
    /// <param name="inner">The journal records reach.</param>
    /// <param name="crash">When to crash.</param>
    /// <param name="loseUnsyncedRecords">
    /// True to lose, at a crash, the records appended with <see cref="AppendWithoutSyncAsync"/> since the last synced append
    /// (a crash of the machine); they reach <paramref name="inner"/> only with the next synced append, read or rewrite.
    /// </param>
    public CrashingMoveJournal(IMoveJournal inner, CrashSwitch crash, bool loseUnsyncedRecords)
    {
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentNullException.ThrowIfNull(crash);
        _inner = inner;
        _crash = crash;
        _unsynced = loseUnsyncedRecords ? [] : null;
    }

    /// <inheritdoc />
    public string ClusterId => _inner.ClusterId;

    /// <summary>Records held back since the last synced append (lost if the crash comes now); 0 unless they are to be lost.</summary>
    internal int UnsyncedRecords
    {
        get
        {
            if (_unsynced is null)
            {
                return 0;
            }

            lock (_unsynced)
            {
                return _unsynced.Count;
            }
        }
    }

    /// <inheritdoc />
    public async ValueTask<MoveJournalContents> ReadAsync(CancellationToken cancellationToken)
    {
        _crash.Tick("journal read");
        await ReleaseUnsyncedAsync(cancellationToken).ConfigureAwait(false);
        return await _inner.ReadAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask AppendAsync(MoveJournalRecord record, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        _crash.Tick($"before journalling {record.ActionId} {record.State}");
        await ReleaseUnsyncedAsync(cancellationToken).ConfigureAwait(false);
        await _inner.AppendAsync(record, cancellationToken).ConfigureAwait(false);
        _crash.Tick($"after journalling {record.ActionId} {record.State}");
    }

    /// <inheritdoc />
    public async ValueTask AppendWithoutSyncAsync(MoveJournalRecord record, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        _crash.Tick($"before journalling {record.ActionId} {record.State} (no sync)");
        if (_unsynced is null)
        {
            await _inner.AppendWithoutSyncAsync(record, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            lock (_unsynced)
            {
                _unsynced.Add(record);
            }
        }

        _crash.Tick($"after journalling {record.ActionId} {record.State} (no sync)");
    }

    /// <inheritdoc />
    public async ValueTask RewriteAsync(IReadOnlyList<MoveJournalRecord> records, CancellationToken cancellationToken)
    {
        _crash.Tick("journal rewrite");
        await ReleaseUnsyncedAsync(cancellationToken).ConfigureAwait(false);
        await _inner.RewriteAsync(records, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Passes on the records held back, in order, before a synced append (which makes them durable with it).</summary>
    private async ValueTask ReleaseUnsyncedAsync(CancellationToken cancellationToken)
    {
        if (_unsynced is null)
        {
            return;
        }

        MoveJournalRecord[] held;
        lock (_unsynced)
        {
            held = [.. _unsynced];
            _unsynced.Clear();
        }

        foreach (var record in held)
        {
            await _inner.AppendWithoutSyncAsync(record, cancellationToken).ConfigureAwait(false);
        }
    }
}
