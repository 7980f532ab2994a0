namespace PredictiveSharding.Execution.Journal;

/// <summary>
/// Where the executor writes every transition of every action before its effects, and reads them back on recovery.
/// The default is <see cref="FileMoveJournal"/>; a host may keep the journal in its own replicated store instead.
/// </summary>
public interface IMoveJournal
{
    /// <summary>The id of the cluster this journal belongs to.</summary>
    string ClusterId { get; }

    /// <summary>Every trusted record, oldest first, and any repair made on opening.</summary>
    ValueTask<MoveJournalContents> ReadAsync(CancellationToken cancellationToken);

    /// <summary>Appends a record; when this returns the record is durable (it survives a crash of the process and of the machine).</summary>
    /// <remarks>Safe to call from several moves at once; records are written one at a time.</remarks>
    ValueTask AppendAsync(MoveJournalRecord record, CancellationToken cancellationToken);

    /// <summary>
    /// Appends a record without waiting for it to be durable: the next <see cref="AppendAsync"/> makes it durable, and until
    /// then a crash may lose it, together with any other record appended this way since (never an earlier durable one).
    /// The executor uses it only for records whose loss makes recovery redo work, not skip it. The default appends durably.
    /// </summary>
    /// <remarks>Safe to call from several moves at once; records are written one at a time, in call order with <see cref="AppendAsync"/>.</remarks>
    ValueTask AppendWithoutSyncAsync(MoveJournalRecord record, CancellationToken cancellationToken) => AppendAsync(record, cancellationToken);

    /// <summary>Replaces the journal's content with <paramref name="records"/> atomically (to drop finished actions); a crash leaves either the old or the new content.</summary>
    /// <remarks>
    /// A rewrite that throws must likewise leave the old or the new content, and the journal usable: the executor logs a
    /// failed compaction (after a plan, or in a recovery), keeps appending and tries again later.
    /// </remarks>
    ValueTask RewriteAsync(IReadOnlyList<MoveJournalRecord> records, CancellationToken cancellationToken);
}
