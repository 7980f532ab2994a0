using System.Buffers.Binary;
using System.Text;
using PredictiveSharding.Keys;
using StackExchange.Redis;

namespace PredictiveSharding.Redis.Slots;

/// <summary>
/// Redis Cluster's key-to-slot function and the mapping between slots and PredictiveSharding keys. A slot is written
/// as a 2-byte big-endian <see cref="ShardKey"/>, so a partition's <see cref="KeyRange"/> over those keys is a
/// contiguous range of slots and the routing map, recorder and planner work on slots unchanged.
/// </summary>
public static class HashSlot
{
    /// <summary>The number of hash slots in a Redis Cluster (16,384).</summary>
    public const int Count = 16384;

    private static readonly ushort[] Crc16Table = BuildTable();

    /// <summary>
    /// The slot of a key as Redis computes it: CRC16 (XMODEM) of the key modulo 16,384, or of the hash tag when the key
    /// has one (the bytes between the first <c>{</c> and the first <c>}</c> after it, when that is not empty).
    /// </summary>
    public static int GetSlot(ReadOnlySpan<byte> key)
    {
        var open = key.IndexOf((byte)'{');
        if (open >= 0)
        {
            var close = key[(open + 1)..].IndexOf((byte)'}');
            if (close > 0)
            {
                key = key.Slice(open + 1, close);
            }
        }

        return Crc16(key) & (Count - 1);
    }

    /// <summary>The slot of a text key (hashed as its UTF-8 bytes, as clients send it).</summary>
    /// <exception cref="ArgumentNullException"><paramref name="key"/> is null.</exception>
    public static int GetSlot(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var max = Encoding.UTF8.GetMaxByteCount(key.Length);
        if (max <= 512)
        {
            Span<byte> buffer = stackalloc byte[max];
            var written = Encoding.UTF8.GetBytes(key, buffer);
            return GetSlot(buffer[..written]);
        }

        return GetSlot(Encoding.UTF8.GetBytes(key));
    }

    /// <summary>The slot of a StackExchange.Redis key.</summary>
    public static int GetSlot(RedisKey key)
    {
        byte[]? bytes = key;
        return GetSlot(bytes is null ? [] : bytes.AsSpan());
    }

    /// <summary>Writes the 2-byte big-endian key of <paramref name="slot"/> (what the load recorder is given for a request to that slot).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="slot"/> is outside 0..16383.</exception>
    public static void WriteKey(int slot, Span<byte> destination)
    {
        CheckSlot(slot, nameof(slot));
        BinaryPrimitives.WriteUInt16BigEndian(destination, (ushort)slot);
    }

    /// <summary>The key of <paramref name="slot"/>: its number as 2 big-endian bytes.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="slot"/> is outside 0..16383.</exception>
    public static ShardKey ToKey(int slot)
    {
        Span<byte> bytes = stackalloc byte[2];
        WriteKey(slot, bytes);
        return ShardKey.FromBytes(bytes);
    }

    /// <summary>
    /// The first slot whose key is at or after <paramref name="key"/> (16,384 when none is): the slot boundary a range
    /// bound falls on. Exact for slot keys; any other key is rounded up to the next slot.
    /// </summary>
    public static int CeilingSlot(ShardKey key)
    {
        var span = key.Span;
        if (span.IsEmpty)
        {
            return 0;
        }

        int value = span.Length == 1 ? span[0] << 8 : BinaryPrimitives.ReadUInt16BigEndian(span);
        if (span.Length > 2)
        {
            value++;
        }

        return Math.Min(value, Count);
    }

    /// <summary>CRC16-CCITT (XMODEM: polynomial 0x1021, initial value 0), the checksum Redis Cluster hashes keys with.</summary>
    public static ushort Crc16(ReadOnlySpan<byte> data)
    {
        ushort crc = 0;
        foreach (var b in data)
        {
            crc = (ushort)((crc << 8) ^ Crc16Table[((crc >> 8) ^ b) & 0xFF]);
        }

        return crc;
    }

    internal static void CheckSlot(int slot, string name)
    {
        if ((uint)slot >= Count)
        {
            throw new ArgumentOutOfRangeException(name, slot, $"A hash slot is from 0 to {Count - 1}; got {slot}.");
        }
    }

    private static ushort[] BuildTable()
    {
        var table = new ushort[256];
        for (var i = 0; i < 256; i++)
        {
            var crc = (ushort)(i << 8);
            for (var bit = 0; bit < 8; bit++)
            {
                crc = (crc & 0x8000) != 0 ? (ushort)((crc << 1) ^ 0x1021) : (ushort)(crc << 1);
            }

            table[i] = crc;
        }

        return table;
    }
}
