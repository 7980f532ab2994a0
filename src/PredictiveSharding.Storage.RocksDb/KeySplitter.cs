using System.Buffers.Binary;
using PredictiveSharding.Keys;

namespace PredictiveSharding.Storage.RocksDb;

/// <summary>
/// Split keys that cut [first, last] into about equal parts of the key space: the bytes after the two keys' common prefix
/// are read as big-endian numbers (8 bytes, zero-padded) and the parts' boundaries interpolated between them.
/// </summary>
/// <remarks>
/// Only the balance of parallel work depends on the split; any split keys in key order are correct, because the parts
/// together always cover the range exactly. Keys that share a long prefix and differ after it (counters, ids) split evenly.
/// </remarks>
internal static class KeySplitter
{
    private const int NumberBytes = 8;

    /// <summary>
    /// Up to <paramref name="parts"/> − 1 keys, strictly ascending, each above <paramref name="first"/> and at most
    /// <paramref name="last"/>; fewer (none) when the keys leave no room between them.
    /// </summary>
    public static IReadOnlyList<ShardKey> Split(ReadOnlySpan<byte> first, ReadOnlySpan<byte> last, int parts)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(parts);
        if (parts == 1 || first.SequenceCompareTo(last) >= 0)
        {
            return [];
        }

        var prefix = first.CommonPrefixLength(last);
        var low = ReadNumber(first[prefix..]);
        var high = ReadNumber(last[prefix..]);
        var splits = new List<ShardKey>(parts - 1);
        var previous = ShardKey.FromBytes(first);
        var buffer = new byte[prefix + NumberBytes];
        first[..prefix].CopyTo(buffer);
        for (var i = 1; i < parts; i++)
        {
            var point = (ulong)(low + ((UInt128)(high - low) * (ulong)i / (ulong)parts));
            BinaryPrimitives.WriteUInt64BigEndian(buffer.AsSpan(prefix), point);
            var key = ShardKey.FromBytes(buffer);

            // Rounding can land on or next to an end; such a part would be empty or out of order, so it is left out.
            if (key > previous && key.Span.SequenceCompareTo(last) <= 0)
            {
                splits.Add(key);
                previous = key;
            }
        }

        return splits;
    }

    private static ulong ReadNumber(ReadOnlySpan<byte> bytes)
    {
        Span<byte> number = stackalloc byte[NumberBytes];
        number.Clear();
        bytes[..Math.Min(bytes.Length, NumberBytes)].CopyTo(number);
        return BinaryPrimitives.ReadUInt64BigEndian(number);
    }
}
