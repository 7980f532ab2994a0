namespace PredictiveSharding.Redis.Migration.Journal;

/// <summary>One line of the migration journal.</summary>
/// <param name="Kind">"begin", "rollback" or "end".</param>
/// <param name="Move">The move's id.</param>
/// <param name="Partition">The partition moved (begin).</param>
/// <param name="From">Source master address (begin).</param>
/// <param name="To">Target master address (begin).</param>
/// <param name="SlotStart">First slot (begin).</param>
/// <param name="SlotEnd">End slot, exclusive (begin).</param>
/// <param name="Note">Outcome (end) or reason (rollback).</param>
internal sealed record JournalRecord(string Kind, string Move, string? Partition = null, string? From = null, string? To = null, int SlotStart = 0, int SlotEnd = 0, string? Note = null)
{
    public const string Begin = "begin";
    public const string RollBack = "rollback";
    public const string End = "end";
}
