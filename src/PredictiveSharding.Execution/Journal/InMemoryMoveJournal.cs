namespace PredictiveSharding.Execution.Journal;

/// <summary>
/// An <see cref="IMoveJournal"/> held in memory: it survives a new executor in the same process (tests, simulations)
/// but not a crash of the process. Thread-safe.
/// </summary>
public sealed class InMemoryMoveJournal : IMoveJournal
{
    private readonly List<MoveJournalRecord> _records = [];

    /// <summary>Creates an empty journal for a cluster.</summary>
    /// <exception cref="ArgumentException"><paramref name="clusterId"/> is empty.</exception>
    public InMemoryMoveJournal(string clusterId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(clusterId);
        ClusterId = clusterId;
    }

    /// <inheritdoc />
    public string ClusterId { get; }

    /// <summary>The records, oldest first (a copy).</summary>
    public IReadOnlyList<MoveJournalRecord> Records
    {
        get
        {
            lock (_records)
            {
                return [.. _records];
            }
        }
    }

    /// <inheritdoc />
    public ValueTask<MoveJournalContents> ReadAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(new MoveJournalContents(Records, null));
    }

    /// <inheritdoc />
    public ValueTask AppendAsync(MoveJournalRecord record, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        lock (_records)
        {
            _records.Add(record);
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    /// <exception cref="ArgumentNullException"><paramref name="records"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="records"/> holds a null record (its index is named); nothing was changed.</exception>
    public ValueTask RewriteAsync(IReadOnlyList<MoveJournalRecord> records, CancellationToken cancellationToken)
    {
        FileMoveJournal.ThrowIfAnyNull(records);
        lock (_records)
        {
            _records.Clear();
            _records.AddRange(records);
        }

        return ValueTask.CompletedTask;
    }
}
