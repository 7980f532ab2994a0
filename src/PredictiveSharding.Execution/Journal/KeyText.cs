using PredictiveSharding.Keys;

namespace PredictiveSharding.Execution.Journal;

/// <summary>Keys as upper-case hex in journal records, so every byte string round-trips.</summary>
internal static class KeyText
{
    public static string ToHex(ShardKey key) => Convert.ToHexString(key.Span);

    public static ShardKey FromHex(string hex) => ShardKey.FromBytes(Convert.FromHexString(hex));

    public static KeyRange Range(MoveJournalRecord record) =>
        new(FromHex(record.RangeStart), record.RangeEnd is null ? null : FromHex(record.RangeEnd));
}
