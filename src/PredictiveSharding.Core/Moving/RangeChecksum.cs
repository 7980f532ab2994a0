namespace PredictiveSharding.Moving;

/// <summary>An order-sensitive checksum of a range's keys and values, for comparing source and target.</summary>
/// <param name="Hash">The hash of every key and value in key order.</param>
/// <param name="KeyCount">Keys hashed.</param>
/// <param name="Bytes">Key and value bytes hashed.</param>
public readonly record struct RangeChecksum(UInt128 Hash, long KeyCount, long Bytes);
