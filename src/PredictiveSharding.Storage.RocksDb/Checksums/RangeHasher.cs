using System.Buffers.Binary;
using System.IO.Hashing;
using PredictiveSharding.Moving;

namespace PredictiveSharding.Storage.RocksDb.Checksums;

/// <summary>
/// Ordered range checksum: XxHash128 over, for each entry in key order, key length (4 bytes, little-endian), key,
/// value length (4 bytes, little-endian), value. The lengths keep ("ab","c") and ("a","bc") apart.
/// </summary>
internal sealed class RangeHasher
{
    private readonly XxHash128 _hash = new();
    private readonly byte[] _length = new byte[4];

    public long KeyCount { get; private set; }

    public long Bytes { get; private set; }

    public void Append(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
    {
        BinaryPrimitives.WriteInt32LittleEndian(_length, key.Length);
        _hash.Append(_length);
        _hash.Append(key);
        BinaryPrimitives.WriteInt32LittleEndian(_length, value.Length);
        _hash.Append(_length);
        _hash.Append(value);
        KeyCount++;
        Bytes += key.Length + value.Length;
    }

    public RangeChecksum ToChecksum(long sequence) => new(_hash.GetCurrentHashAsUInt128(), KeyCount, Bytes, sequence);
}
