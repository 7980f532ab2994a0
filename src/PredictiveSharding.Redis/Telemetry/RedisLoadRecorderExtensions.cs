using PredictiveSharding.Redis.Slots;
using PredictiveSharding.Telemetry;
using StackExchange.Redis;

namespace PredictiveSharding.Redis.Telemetry;

/// <summary>
/// Records Redis requests into a <see cref="LoadRecorder"/> by hash slot. Redis 7.0 has no per-slot statistics
/// (<c>CLUSTER SLOT-STATS</c> arrived in Redis 8.2 / Valkey 8.0), so load must be counted where the application's
/// requests pass. The recorder sees the slot's 2-byte key, so its key samples are slots and the planner's split keys
/// fall on slot boundaries.
/// </summary>
public static class RedisLoadRecorderExtensions
{
    /// <summary>
    /// Records one request to <paramref name="key"/>'s slot. Allocates the key's UTF-8 bytes when it holds a string
    /// (StackExchange.Redis gives them only as a new array; 40 bytes a request for short keys, measured); a key made from a
    /// byte array is read without allocating. On a hot path with string keys, <see cref="RecordingDatabase"/> (which takes
    /// the slot from a cluster connection) and <c>RecordSlot(HashSlot.GetSlot(text), …)</c> (for keys up to 512 UTF-8
    /// bytes) allocate nothing.
    /// </summary>
    /// <param name="recorder">The recorder, over a routing map built by <see cref="RedisSlotRouting"/>.</param>
    /// <param name="key">The Redis key as Redis stores it: with the prefix, when the database was wrapped with <c>WithKeyPrefix</c>.</param>
    /// <param name="kind">Read or write.</param>
    /// <param name="bytes">Bytes read or written; not negative.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="bytes"/> is negative.</exception>
    public static void RecordKey(this LoadRecorder recorder, in RedisKey key, RequestKind kind, int bytes)
    {
        ArgumentNullException.ThrowIfNull(recorder);
        recorder.RecordSlot(HashSlot.GetSlot(key), kind, bytes);
    }

    /// <summary>Records one request to a slot (when the caller already knows it).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="slot"/> is outside 0..16383 or <paramref name="bytes"/> is negative.</exception>
    public static void RecordSlot(this LoadRecorder recorder, int slot, RequestKind kind, int bytes)
    {
        ArgumentNullException.ThrowIfNull(recorder);
        Span<byte> slotKey = stackalloc byte[2];
        HashSlot.WriteKey(slot, slotKey);
        recorder.Record(slotKey, kind, bytes);
    }
}
