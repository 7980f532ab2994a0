using PredictiveSharding.Telemetry;
using StackExchange.Redis;

namespace PredictiveSharding.Redis.Telemetry;

/// <summary>
/// A thin wrapper over an <see cref="IDatabaseAsync"/> for the common key-value calls, recording each one in a
/// <see cref="LoadRecorder"/> by slot before passing it on. For other commands call the database directly and record
/// with <see cref="RedisLoadRecorderExtensions.RecordKey"/>. On a cluster connection the slot comes from the connection's
/// own <see cref="IConnectionMultiplexer.HashSlot"/>, which reads a string key without copying it, so recording
/// allocates nothing; on a standalone connection (no slots there) it is computed here from the key's bytes.
/// </summary>
public sealed class RecordingDatabase
{
    private readonly LoadRecorder _recorder;
    private readonly IConnectionMultiplexer _multiplexer;

    /// <summary>Wraps a database.</summary>
    public RecordingDatabase(IDatabaseAsync database, LoadRecorder recorder)
    {
        ArgumentNullException.ThrowIfNull(database);
        ArgumentNullException.ThrowIfNull(recorder);
        Database = database;
        _recorder = recorder;
        _multiplexer = database.Multiplexer;
    }

    /// <summary>The wrapped database.</summary>
    public IDatabaseAsync Database { get; }

    /// <summary>GET, recorded as a read of the value's length.</summary>
    public async Task<RedisValue> StringGetAsync(RedisKey key, CommandFlags flags = CommandFlags.None)
    {
        var value = await Database.StringGetAsync(key, flags).ConfigureAwait(false);
        Record(key, RequestKind.Read, value.IsNull ? 0 : (int)value.Length());
        return value;
    }

    /// <summary>SET, recorded as a write of the value's length.</summary>
    public Task<bool> StringSetAsync(RedisKey key, RedisValue value, TimeSpan? expiry = null, When when = When.Always, CommandFlags flags = CommandFlags.None)
    {
        Record(key, RequestKind.Write, value.IsNull ? 0 : (int)value.Length());
        return Database.StringSetAsync(key, value, expiry, when, flags);
    }

    /// <summary>INCRBY, recorded as a write.</summary>
    public Task<long> StringIncrementAsync(RedisKey key, long value = 1, CommandFlags flags = CommandFlags.None)
    {
        Record(key, RequestKind.Write, sizeof(long));
        return Database.StringIncrementAsync(key, value, flags);
    }

    /// <summary>DEL, recorded as a write.</summary>
    public Task<bool> KeyDeleteAsync(RedisKey key, CommandFlags flags = CommandFlags.None)
    {
        Record(key, RequestKind.Write, 0);
        return Database.KeyDeleteAsync(key, flags);
    }

    /// <summary>Records one request to <paramref name="key"/>'s slot.</summary>
    internal void Record(in RedisKey key, RequestKind kind, int bytes)
    {
        // The connection answers -1 when it is not in cluster mode (or for a null key); the extension then hashes the
        // key's bytes itself, as Redis Cluster would.
        var slot = _multiplexer.HashSlot(key);
        if (slot >= 0)
        {
            _recorder.RecordSlot(slot, kind, bytes);
        }
        else
        {
            _recorder.RecordKey(key, kind, bytes);
        }
    }
}
