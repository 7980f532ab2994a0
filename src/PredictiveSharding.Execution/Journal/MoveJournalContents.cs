namespace PredictiveSharding.Execution.Journal;

/// <summary>The records of a journal, oldest first, and what was repaired when it was opened.</summary>
/// <param name="Records">Every trusted record, in the order written.</param>
/// <param name="Repair">The torn or corrupted tail that was dropped on opening; null when the journal was intact.</param>
public sealed record MoveJournalContents(IReadOnlyList<MoveJournalRecord> Records, JournalTailRepair? Repair);
