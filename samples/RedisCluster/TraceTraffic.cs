using System.Collections.Concurrent;
using PredictiveSharding.Redis.Telemetry;
using PredictiveSharding.Routing;
using PredictiveSharding.Telemetry;
using PredictiveSharding.Traces;
using StackExchange.Redis;

namespace RedisClusterSample;

/// <summary>
/// Turns a key trace into Redis traffic: each trace key is one Redis key, and each of its requests in a trace minute
/// becomes an INCR (scaled down so the whole day replays in about a minute). Every acknowledged INCR is counted, so the
/// final value of each key can be checked against it.
/// </summary>
internal sealed class TraceTraffic
{
    private const int InFlight = 256;
    private readonly KeyTrace _trace;
    private readonly IDatabase _database;
    private readonly LoadRecorder _recorder;
    private readonly IRoutingTable _routing;
    private readonly double _scale;
    private readonly Random _random = new(17);
    private readonly RedisKey[] _keys;
    private readonly long[] _acknowledged;
    private readonly long[] _unknown;

    public TraceTraffic(KeyTrace trace, IDatabase database, LoadRecorder recorder, IRoutingTable routing, double scale, string prefix)
    {
        _trace = trace;
        _database = database;
        _recorder = recorder;
        _routing = routing;
        _scale = scale;
        _keys = [.. trace.Keys.Select(k => (RedisKey)(prefix + k.ToString()))];
        _acknowledged = new long[_keys.Length];
        _unknown = new long[_keys.Length];
    }

    /// <summary>Requests sent per master, for the current reporting window.</summary>
    public ConcurrentDictionary<string, long> PerMaster { get; } = new(StringComparer.Ordinal);

    public long Failed => _unknown.Sum();

    public async Task ClearAsync() => await Task.WhenAll(_keys.Select(k => _database.KeyDeleteAsync(k)));

    /// <summary>Sends one trace minute's requests, <see cref="InFlight"/> at a time.</summary>
    public async Task<long> ReplayMinuteAsync(int step)
    {
        var work = new List<int>();
        for (var k = 0; k < _keys.Length; k++)
        {
            // Stochastic rounding keeps the scaled load unbiased for keys with few requests.
            var expected = _trace.CountsOf(k)[step] * _scale;
            var count = (int)expected + (_random.NextDouble() < expected - Math.Floor(expected) ? 1 : 0);
            for (var i = 0; i < count; i++)
            {
                work.Add(k);
            }
        }

        // Interleave keys as real clients would rather than hammering one key at a time.
        Shuffle(work);
        for (var from = 0; from < work.Count; from += InFlight)
        {
            var batch = work.GetRange(from, Math.Min(InFlight, work.Count - from));
            await Task.WhenAll(batch.Select(IncrementAsync));
        }

        return work.Count;
    }

    /// <summary>Keys whose value differs from the INCRs acknowledged for them (allowing for INCRs whose outcome is unknown).</summary>
    public async Task<(int Checked, List<string> Lost)> VerifyAsync()
    {
        var lost = new List<string>();
        var values = await Task.WhenAll(_keys.Select(k => _database.StringGetAsync(k)));
        for (var k = 0; k < _keys.Length; k++)
        {
            var value = values[k].IsNull ? 0 : (long)values[k];
            if (value < _acknowledged[k] || value > _acknowledged[k] + _unknown[k])
            {
                lost.Add($"{_keys[k]}: {value}, acknowledged {_acknowledged[k]}");
            }
        }

        return (_keys.Length, lost);
    }

    private async Task IncrementAsync(int k)
    {
        var key = _keys[k];
        _recorder.RecordKey(key, RequestKind.Write, sizeof(long));
        PerMaster.AddOrUpdate(OwnerOf(key), 1, (_, n) => n + 1);
        try
        {
            await _database.StringIncrementAsync(key);
            Interlocked.Increment(ref _acknowledged[k]);
        }
        catch (RedisException)
        {
            Interlocked.Increment(ref _unknown[k]);
        }
    }

    private string OwnerOf(RedisKey key)
    {
        Span<byte> slotKey = stackalloc byte[2];
        PredictiveSharding.Redis.Slots.HashSlot.WriteKey(PredictiveSharding.Redis.Slots.HashSlot.GetSlot(key), slotKey);
        return _routing.Current.Route(slotKey).Node.Value;
    }

    private void Shuffle(List<int> items)
    {
        for (var i = items.Count - 1; i > 0; i--)
        {
            var j = _random.Next(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }
}
