using PredictiveSharding.Telemetry;
using StackExchange.Redis;
using StackExchange.Redis.KeyspaceIsolation;

namespace PredictiveSharding.Redis.Telemetry;

/// <summary>
/// A thin wrapper over an <see cref="IDatabaseAsync"/> for the common key-value calls, recording each one in a
/// <see cref="LoadRecorder"/> by slot before passing it on. For other commands call the database directly and record
/// with <see cref="RedisLoadRecorderExtensions.RecordKey"/>. On a cluster connection the slot comes from the connection's
/// own <see cref="IConnectionMultiplexer.HashSlot"/>, which reads a string key without copying it, so recording
/// allocates nothing; on a standalone connection (no slots there) it is computed here from the key's bytes.
/// </summary>
/// <remarks>
/// With a key prefix (StackExchange.Redis's <c>WithKeyPrefix</c>), Redis stores the prefixed key, whose slot is another
/// than the key's, so the recorder must know the prefix: pass it with
/// <see cref="RecordingDatabase(IDatabase, LoadRecorder, RedisKey)"/>, which prefixes the database itself. A database
/// already wrapped with <c>WithKeyPrefix</c> is refused, because StackExchange.Redis does not expose the prefix of the
/// wrapper it returns: recording over it used to count each request under the unprefixed key's slot, so the planner moved
/// the wrong slots. (The other order, prefixing over this wrapper, cannot be written: it is not an <see cref="IDatabase"/>.)
/// </remarks>
public sealed class RecordingDatabase
{
    private readonly LoadRecorder _recorder;
    private readonly IConnectionMultiplexer _multiplexer;
    private readonly byte[]? _keyPrefix;

    /// <summary>Wraps a database whose keys are stored as given.</summary>
    /// <param name="database">The database; not one returned by <c>WithKeyPrefix</c>.</param>
    /// <param name="recorder">Where requests are recorded.</param>
    /// <exception cref="ArgumentException"><paramref name="database"/> was wrapped with <c>WithKeyPrefix</c>; use <see cref="RecordingDatabase(IDatabase, LoadRecorder, RedisKey)"/> with the unwrapped database and the prefix.</exception>
    public RecordingDatabase(IDatabaseAsync database, LoadRecorder recorder)
    {
        ArgumentNullException.ThrowIfNull(database);
        ArgumentNullException.ThrowIfNull(recorder);
        RefuseKeyPrefixed(database);
        Database = database;
        _recorder = recorder;
        _multiplexer = database.Multiplexer;
    }

    /// <summary>
    /// Wraps <paramref name="database"/> with the key prefix <paramref name="keyPrefix"/> (StackExchange.Redis's
    /// <c>WithKeyPrefix</c>): the calls take keys without the prefix, Redis stores them with it, and each request is
    /// recorded under the slot of the prefixed key, where Redis holds it. Recording a prefixed key may copy its bytes.
    /// </summary>
    /// <param name="database">The database, without a prefix (not one returned by <c>WithKeyPrefix</c>).</param>
    /// <param name="recorder">Where requests are recorded.</param>
    /// <param name="keyPrefix">The prefix; empty for none.</param>
    /// <exception cref="ArgumentException"><paramref name="database"/> was wrapped with <c>WithKeyPrefix</c> already (give the whole prefix here instead), or <paramref name="keyPrefix"/> is null.</exception>
    public RecordingDatabase(IDatabase database, LoadRecorder recorder, RedisKey keyPrefix)
    {
        ArgumentNullException.ThrowIfNull(database);
        ArgumentNullException.ThrowIfNull(recorder);
        RefuseKeyPrefixed(database);
        var prefix = (byte[]?)keyPrefix ?? throw new ArgumentException("A key prefix is required (a null RedisKey was given); give an empty one for none.", nameof(keyPrefix));

        // Null for an empty prefix, so that recording an unprefixed key copies nothing.
        _keyPrefix = prefix.Length > 0 ? prefix : null;
        Database = _keyPrefix is null ? database : database.WithKeyPrefix(_keyPrefix);
        _recorder = recorder;
        _multiplexer = database.Multiplexer;
    }

    /// <summary>The wrapped database (with the key prefix, when one was given).</summary>
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
        var stored = _keyPrefix is null ? key : key.Prepend(_keyPrefix);
        var slot = _multiplexer.HashSlot(stored);
        if (slot >= 0)
        {
            _recorder.RecordSlot(slot, kind, bytes);
        }
        else
        {
            _recorder.RecordKey(stored, kind, bytes);
        }
    }

    private static void RefuseKeyPrefixed(IDatabaseAsync database)
    {
        // WithKeyPrefix returns internal types of this namespace (a database, a batch or a transaction), and neither they
        // nor the namespace's public extension expose the prefix; a decorator of the host's own around one is not seen.
        var type = database.GetType();
        if (type.Assembly == typeof(IDatabaseAsync).Assembly && string.Equals(type.Namespace, "StackExchange.Redis.KeyspaceIsolation", StringComparison.Ordinal))
        {
            throw new ArgumentException(
                $"The database ({type.Name}) was wrapped with WithKeyPrefix, whose prefix StackExchange.Redis does not expose; requests would be recorded under the slot of the key without the prefix, not the slot Redis holds it in. Pass the unwrapped database and the prefix instead: new RecordingDatabase(database, recorder, keyPrefix).",
                nameof(database));
        }
    }
}
