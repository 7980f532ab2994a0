using PredictiveSharding.Telemetry;
using StackExchange.Redis;

namespace PredictiveSharding.Redis.Telemetry;

/// <summary>
/// A thin wrapper over an <see cref="IDatabaseAsync"/> for the common key-value calls, recording each one in a
/// <see cref="LoadRecorder"/> by slot before passing it on. For other commands call the database directly and record
/// with <see cref="RedisLoadRecorderExtensions.RecordKey"/>.
/// </summary>
public sealed class RecordingDatabase
{
    private readonly LoadRecorder _recorder;

    /// <summary>Wraps a database.</summary>
    public RecordingDatabase(IDatabaseAsync database, LoadRecorder recorder)
    {
        ArgumentNullException.ThrowIfNull(database);
        ArgumentNullException.ThrowIfNull(recorder);
        Database = database;
        _recorder = recorder;
    }

    /// <summary>The wrapped database.</summary>
    public IDatabaseAsync Database { get; }

    /// <summary>GET, recorded as a read of the value's length.</summary>
    public async Task<RedisValue> StringGetAsync(RedisKey key, CommandFlags flags = CommandFlags.None)
    {
        var value = await Database.StringGetAsync(key, flags).ConfigureAwait(false);
        _recorder.RecordKey(key, RequestKind.Read, value.IsNull ? 0 : (int)value.Length());
        return value;
    }

    /// <summary>SET, recorded as a write of the value's length.</summary>
    public Task<bool> StringSetAsync(RedisKey key, RedisValue value, TimeSpan? expiry = null, When when = When.Always, CommandFlags flags = CommandFlags.None)
    {
        _recorder.RecordKey(key, RequestKind.Write, value.IsNull ? 0 : (int)value.Length());
        return Database.StringSetAsync(key, value, expiry, when, flags);
    }

    /// <summary>INCRBY, recorded as a write.</summary>
    public Task<long> StringIncrementAsync(RedisKey key, long value = 1, CommandFlags flags = CommandFlags.None)
    {
        _recorder.RecordKey(key, RequestKind.Write, sizeof(long));
        return Database.StringIncrementAsync(key, value, flags);
    }

    /// <summary>DEL, recorded as a write.</summary>
    public Task<bool> KeyDeleteAsync(RedisKey key, CommandFlags flags = CommandFlags.None)
    {
        _recorder.RecordKey(key, RequestKind.Write, 0);
        return Database.KeyDeleteAsync(key, flags);
    }
}
