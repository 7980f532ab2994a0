namespace PredictiveSharding.Moving;

/// <summary>An order-sensitive checksum of a range's keys and values, for comparing source and target.</summary>
/// <param name="Hash">The hash of every key and value in key order (e.g. XxHash128 over key length, key, value length, value).</param>
/// <param name="KeyCount">Keys hashed.</param>
/// <param name="Bytes">Key and value bytes hashed.</param>
/// <param name="Sequence">
/// The node's next write sequence when the snapshot was taken: the checksum holds every write with a lower sequence
/// and none with this sequence or a higher one. The executor applies the captured changes below it to the target and
/// then compares, so a range can be verified while the source keeps taking writes.
/// </param>
public readonly record struct RangeChecksum(UInt128 Hash, long KeyCount, long Bytes, long Sequence)
{
    /// <summary>True when the two checksums cover the same keys and values (the sequences may differ).</summary>
    public bool SameContentAs(RangeChecksum other) => Hash == other.Hash && KeyCount == other.KeyCount && Bytes == other.Bytes;
}
