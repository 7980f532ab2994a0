using PredictiveSharding.Keys;

namespace PredictiveSharding.Moving;

/// <summary>A stored key and its value.</summary>
/// <param name="Key">The key.</param>
/// <param name="Value">The value's bytes.</param>
public readonly record struct KeyValueEntry(ShardKey Key, ReadOnlyMemory<byte> Value);
