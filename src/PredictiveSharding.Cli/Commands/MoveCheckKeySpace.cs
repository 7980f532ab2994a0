using System.Buffers.Binary;
using System.Globalization;
using PredictiveSharding.Keys;

namespace PredictiveSharding.Cli.Commands;

/// <summary>
/// The keys move-check writes (<c>key-000000</c>…, zero-padded so byte order is numeric order) and its values, which
/// carry the key's index and a version number so a reader can tell how old a value is.
/// </summary>
internal sealed class MoveCheckKeySpace
{
    private const int HeaderBytes = 12;

    public MoveCheckKeySpace(int keyCount, int valueBytes)
    {
        Keys = new ShardKey[keyCount];
        for (var i = 0; i < keyCount; i++)
        {
            Keys[i] = ShardKey.FromString(string.Create(CultureInfo.InvariantCulture, $"key-{i:D7}"));
        }

        ValueBytes = Math.Max(valueBytes, HeaderBytes);
    }

    /// <summary>The keys in ascending order.</summary>
    public ShardKey[] Keys { get; }

    public int ValueBytes { get; }

    public int Count => Keys.Length;

    /// <summary>A value: key index (4 bytes), version (8 bytes), then filler.</summary>
    public byte[] Value(int index, long version)
    {
        var value = new byte[ValueBytes];
        BinaryPrimitives.WriteInt32BigEndian(value, index);
        BinaryPrimitives.WriteInt64BigEndian(value.AsSpan(4), version);
        value.AsSpan(HeaderBytes).Fill((byte)('a' + (version % 26)));
        return value;
    }

    /// <summary>The version a value carries, or -1 when the value is absent or is not this key's.</summary>
    public static long VersionOf(int index, ReadOnlySpan<byte> value) =>
        value.Length >= HeaderBytes && BinaryPrimitives.ReadInt32BigEndian(value) == index
            ? BinaryPrimitives.ReadInt64BigEndian(value[4..])
            : -1;

    /// <summary>The index of the first key at or after <paramref name="key"/>.</summary>
    public int LowerBound(ShardKey key)
    {
        int low = 0, high = Keys.Length;
        while (low < high)
        {
            var mid = (low + high) >>> 1;
            if (Keys[mid] < key)
            {
                low = mid + 1;
            }
            else
            {
                high = mid;
            }
        }

        return low;
    }

    /// <summary>The indexes [first, end) of the keys in <paramref name="range"/>.</summary>
    public (int First, int End) IndexesOf(KeyRange range) =>
        (LowerBound(range.Start), range.End is { } end ? LowerBound(end) : Keys.Length);

    public int IndexOf(ShardKey key)
    {
        var index = LowerBound(key);
        return index < Keys.Length && Keys[index] == key ? index : -1;
    }
}
