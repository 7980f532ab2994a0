using PredictiveSharding.Keys;

namespace PredictiveSharding.Moving;

/// <summary>A chunk of a range read in key order.</summary>
/// <param name="Entries">Entries in ascending key order.</param>
/// <param name="ResumeFrom">Where the next chunk starts (inclusive), or null when the range is exhausted.</param>
public sealed record RangeChunk(IReadOnlyList<KeyValueEntry> Entries, ShardKey? ResumeFrom)
{
    /// <summary>True when this is the last chunk of the range.</summary>
    public bool IsLast => ResumeFrom is null;
}
