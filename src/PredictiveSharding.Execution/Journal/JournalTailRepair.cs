namespace PredictiveSharding.Execution.Journal;

/// <summary>What was cut off the end of a journal on opening because it was torn or corrupted.</summary>
/// <param name="Offset">Byte offset of the first record that could not be trusted; the journal now ends there.</param>
/// <param name="DroppedBytes">Bytes dropped from that offset to the old end.</param>
/// <param name="Reason">Why the record could not be trusted (short read, bad length, checksum mismatch, unreadable content).</param>
public sealed record JournalTailRepair(long Offset, long DroppedBytes, string Reason);
