using System.Collections.Concurrent;
using PredictiveSharding.Redis.Slots;
using StackExchange.Redis;

namespace PredictiveSharding.Redis.Tests.Infrastructure;

/// <summary>
/// Keys spread over chosen slots, written with increasing values by background writers while readers check that no read
/// goes back in time; remembers the last acknowledged value of every key so a test can check nothing was lost.
/// </summary>
internal sealed class KeyValueWorkload
{
    private readonly IDatabase _database;
    private readonly ConcurrentDictionary<string, long> _acked = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _unknown = new(StringComparer.Ordinal);
    private long _writes;
    private long _reads;
    private long _failures;
    private string? _staleRead;

    public KeyValueWorkload(IDatabase database, IReadOnlyList<string> keys)
    {
        _database = database;
        Keys = keys;
    }

    public IReadOnlyList<string> Keys { get; }

    public long Writes => Interlocked.Read(ref _writes);

    public long Reads => Interlocked.Read(ref _reads);

    /// <summary>Requests that failed (the client gives up on a redirect loop or a timeout); failed writes are not acknowledged.</summary>
    public long Failures => Interlocked.Read(ref _failures);

    /// <summary>The first read that returned an older value than one already acknowledged, or null.</summary>
    public string? StaleRead => _staleRead;

    /// <summary>Keys whose hash slot lies in the given ranges, <paramref name="perSlot"/> per slot.</summary>
    public static IReadOnlyList<string> KeysIn(IEnumerable<HashSlotRange> ranges, int perSlot, string prefix)
    {
        var wanted = new Dictionary<int, int>();
        foreach (var range in ranges)
        {
            for (var slot = range.Start; slot < range.End; slot++)
            {
                wanted[slot] = perSlot;
            }
        }

        var keys = new List<string>();
        var remaining = wanted.Count * perSlot;
        for (var i = 0; remaining > 0; i++)
        {
            var key = prefix + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
            var slot = HashSlot.GetSlot(key);
            if (wanted.TryGetValue(slot, out var left) && left > 0)
            {
                wanted[slot] = left - 1;
                keys.Add(key);
                remaining--;
            }
        }

        return keys;
    }

    public async Task LoadAsync()
    {
        var writes = Keys.Select(k => _database.StringSetAsync(k, 0)).ToArray();
        await Task.WhenAll(writes);
        foreach (var key in Keys)
        {
            _acked[key] = 0;
        }
    }

    /// <summary>Runs <paramref name="writers"/> writers and as many readers until <paramref name="stop"/> is cancelled.</summary>
    public Task RunAsync(int writers, CancellationToken stop)
    {
        var tasks = new List<Task>();
        for (var w = 0; w < writers; w++)
        {
            var offset = w;
            tasks.Add(Task.Run(() => WriteLoopAsync(offset, writers, stop), CancellationToken.None));
            tasks.Add(Task.Run(() => ReadLoopAsync(offset, stop), CancellationToken.None));
        }

        return Task.WhenAll(tasks);
    }

    /// <summary>Keys whose stored value is not their last acknowledged one, described.</summary>
    public async Task<IReadOnlyList<string>> LostWritesAsync()
    {
        var lost = new List<string>();
        foreach (var key in Keys)
        {
            var value = await _database.StringGetAsync(key);
            var expected = _acked[key];
            var unsure = _unknown.TryGetValue(key, out var attempted) && attempted > expected && !value.IsNull && (long)value == attempted;
            if ((value.IsNull || (long)value != expected) && !unsure)
            {
                lost.Add($"{key}: stored {(value.IsNull ? "nothing" : value.ToString())}, last acknowledged {expected}");
            }
        }

        return lost;
    }

    private async Task WriteLoopAsync(int offset, int stride, CancellationToken stop)
    {
        // Each key has one writer, so its acknowledged values only increase.
        long round = 0;
        while (!stop.IsCancellationRequested)
        {
            round++;
            for (var i = offset; i < Keys.Count && !stop.IsCancellationRequested; i += stride)
            {
                var key = Keys[i];
                try
                {
                    await _database.StringSetAsync(key, round);
                    _acked[key] = round;
                    Interlocked.Increment(ref _writes);
                }
                catch (RedisException)
                {
                    // The write may or may not have been applied; either value is then acceptable.
                    _unknown[key] = round;
                    Interlocked.Increment(ref _failures);
                }
            }
        }
    }

    private async Task ReadLoopAsync(int seed, CancellationToken stop)
    {
        var random = new Random(seed);
        while (!stop.IsCancellationRequested)
        {
            var key = Keys[random.Next(Keys.Count)];
            var floor = _acked[key];
            try
            {
                var value = await _database.StringGetAsync(key);
                Interlocked.Increment(ref _reads);
                if (value.IsNull || (long)value < floor)
                {
                    Interlocked.CompareExchange(ref _staleRead, $"{key}: read {(value.IsNull ? "nothing" : value.ToString())} after {floor} was acknowledged", null);
                }
            }
            catch (RedisException)
            {
                Interlocked.Increment(ref _failures);
            }
        }
    }
}
