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
    private readonly byte[] _entry = new byte[4096];

    public long KeyCount { get; private set; }

    public long Bytes { get; private set; }

    public void Append(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
    {
        // The same bytes as four appends, in one call when the entry fits the buffer: the hash's per-call cost was a
        // visible share of a checksum over many small entries.
        var size = 8 + key.Length + value.Length;
        if (size <= _entry.Length)
        {
            var span = _entry.AsSpan(0, size);
            BinaryPrimitives.WriteInt32LittleEndian(span, key.Length);
            key.CopyTo(span[4..]);
            BinaryPrimitives.WriteInt32LittleEndian(span[(4 + key.Length)..], value.Length);
            value.CopyTo(span[(8 + key.Length)..]);
            _hash.Append(span);
        }
        else
        {
            BinaryPrimitives.WriteInt32LittleEndian(_length, key.Length);
            _hash.Append(_length);
            _hash.Append(key);
            BinaryPrimitives.WriteInt32LittleEndian(_length, value.Length);
            _hash.Append(_length);
            _hash.Append(value);
        }

        KeyCount++;
        Bytes += key.Length + value.Length;
    }

    public RangeChecksum ToChecksum(long sequence) => new(_hash.GetCurrentHashAsUInt128(), KeyCount, Bytes, sequence);
}
