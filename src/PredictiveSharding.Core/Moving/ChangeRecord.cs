using PredictiveSharding.Keys;

namespace PredictiveSharding.Moving;

/// <summary>A write captured in a range's change feed; applying records in sequence order reproduces the source.</summary>
/// <param name="Sequence">The node's write sequence (one counter per node, strictly increasing).</param>
/// <param name="Key">The written key.</param>
/// <param name="Value">The new value, or null for a delete.</param>
public sealed record ChangeRecord(long Sequence, ShardKey Key, ReadOnlyMemory<byte>? Value)
{
    /// <summary>True for a delete.</summary>
    public bool IsDelete => Value is null;
}
