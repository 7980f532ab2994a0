using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using PredictiveSharding.Keys;

namespace PredictiveSharding.Storage.RocksDb.ChangeFeed;

/// <summary>
/// Byte layout of the change feed's two column families. Captures are named by the caller's id in the meta family
/// and by an internal number in the log, whose keys are big-endian (capture number, sequence), so RocksDB's bytewise
/// order is sequence order and one capture's records form one contiguous key range.
/// </summary>
internal static class ChangeLogFormat
{
    private const byte MetaTag = 0x01;
    private const byte CaptureCounterTag = 0x02;
    private const byte SequenceReservationTag = 0x03;
    private const byte PutKind = 0;
    private const byte DeleteKind = 1;

    /// <summary>Key of the next internal capture number.</summary>
    public static byte[] CaptureCounterKey { get; } = [CaptureCounterTag];

    /// <summary>Key of the sequence reservation: no sequence at or above it has been used.</summary>
    public static byte[] SequenceReservationKey { get; } = [SequenceReservationTag];

    /// <summary>
    /// Refuses a capture id that is not valid UTF-16 (a lone surrogate): the meta key holds it as UTF-8, which would
    /// replace the surrogate with U+FFFD, so after a restart the capture would come back under another id and could be
    /// neither resumed nor stopped by its own.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="captureId"/> holds a lone surrogate.</exception>
    public static void ThrowIfNotValidUtf16(string captureId, string paramName)
    {
        for (var i = 0; i < captureId.Length;)
        {
            if (Rune.DecodeFromUtf16(captureId.AsSpan(i), out _, out var used) != System.Buffers.OperationStatus.Done)
            {
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"A change capture id must be valid UTF-16 (it is stored as UTF-8); '{captureId}' holds a lone surrogate (U+{(int)captureId[i]:X4}) at index {i}."), paramName);
            }

            i += used;
        }
    }

    public static byte[] MetaKey(string captureId)
    {
        ThrowIfNotValidUtf16(captureId, nameof(captureId));
        var key = new byte[1 + Encoding.UTF8.GetByteCount(captureId)];
        key[0] = MetaTag;
        Encoding.UTF8.GetBytes(captureId, key.AsSpan(1));
        return key;
    }

    public static bool TryReadMetaKey(ReadOnlySpan<byte> key, out string captureId)
    {
        captureId = string.Empty;
        if (key.Length < 2 || key[0] != MetaTag)
        {
            return false;
        }

        captureId = Encoding.UTF8.GetString(key[1..]);
        return true;
    }

    public static byte[] EncodeUInt64(ulong value)
    {
        var bytes = new byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(bytes, value);
        return bytes;
    }

    public static ulong DecodeUInt64(ReadOnlySpan<byte> value) => BinaryPrimitives.ReadUInt64BigEndian(value);

    /// <summary>Meta value: capture number (8), start sequence (8), has-end flag (1), start length (4), start, end length (4), end.</summary>
    public static byte[] EncodeMeta(ulong number, KeyRange range, long startSequence)
    {
        var end = range.End ?? ShardKey.Empty;
        var value = new byte[8 + 8 + 1 + 4 + range.Start.Length + 4 + end.Length];
        var span = value.AsSpan();
        BinaryPrimitives.WriteUInt64BigEndian(span, number);
        BinaryPrimitives.WriteInt64BigEndian(span[8..], startSequence);
        span[16] = range.End is null ? (byte)0 : (byte)1;
        BinaryPrimitives.WriteInt32BigEndian(span[17..], range.Start.Length);
        range.Start.Span.CopyTo(span[21..]);
        var offset = 21 + range.Start.Length;
        BinaryPrimitives.WriteInt32BigEndian(span[offset..], end.Length);
        end.Span.CopyTo(span[(offset + 4)..]);
        return value;
    }

    public static (ulong Number, KeyRange Range, long StartSequence) DecodeMeta(ReadOnlySpan<byte> value)
    {
        var number = BinaryPrimitives.ReadUInt64BigEndian(value);
        var startSequence = BinaryPrimitives.ReadInt64BigEndian(value[8..]);
        var hasEnd = value[16] != 0;
        var startLength = BinaryPrimitives.ReadInt32BigEndian(value[17..]);
        var start = ShardKey.FromBytes(value.Slice(21, startLength));
        var offset = 21 + startLength;
        var endLength = BinaryPrimitives.ReadInt32BigEndian(value[offset..]);
        ShardKey? end = hasEnd ? ShardKey.FromBytes(value.Slice(offset + 4, endLength)) : null;
        return (number, new KeyRange(start, end), startSequence);
    }

    public static byte[] LogKey(ulong number, long sequence)
    {
        var key = new byte[16];
        BinaryPrimitives.WriteUInt64BigEndian(key, number);
        BinaryPrimitives.WriteInt64BigEndian(key.AsSpan(8), sequence);
        return key;
    }

    /// <summary>The exclusive upper bound of one capture's log records.</summary>
    public static byte[] LogEnd(ulong number) => LogKey(number + 1, 0);

    public static long ReadSequence(ReadOnlySpan<byte> logKey) => BinaryPrimitives.ReadInt64BigEndian(logKey[8..]);

    /// <summary>Record value: kind (1), key length (4), key, then the value's bytes for a put.</summary>
    public static byte[] EncodeRecord(ReadOnlySpan<byte> key, ReadOnlyMemory<byte>? value)
    {
        var valueLength = value?.Length ?? 0;
        var record = new byte[1 + 4 + key.Length + valueLength];
        var span = record.AsSpan();
        span[0] = value is null ? DeleteKind : PutKind;
        BinaryPrimitives.WriteInt32BigEndian(span[1..], key.Length);
        key.CopyTo(span[5..]);
        value?.Span.CopyTo(span[(5 + key.Length)..]);
        return record;
    }

    public static (ShardKey Key, ReadOnlyMemory<byte>? Value) DecodeRecord(ReadOnlySpan<byte> record)
    {
        var keyLength = BinaryPrimitives.ReadInt32BigEndian(record[1..]);
        var key = ShardKey.FromBytes(record.Slice(5, keyLength));
        // Spelled out: a null byte[] would convert to an empty, non-null ReadOnlyMemory and turn a delete into a put.
        ReadOnlyMemory<byte>? value = record[0] == DeleteKind ? (ReadOnlyMemory<byte>?)null : new ReadOnlyMemory<byte>(record[(5 + keyLength)..].ToArray());
        return (key, value);
    }
}
