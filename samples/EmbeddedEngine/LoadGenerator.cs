using System.Globalization;
using System.Text;
using PredictiveSharding.Keys;

namespace EmbeddedEngine;

/// <summary>
/// Clients of the engine: a steady background load over all keys plus a hot spot that sweeps across the key space
/// (like a daily cycle moving across tenants), so the load shape is learnable. Remembers every acknowledged write.
/// </summary>
internal sealed class LoadGenerator(KeyValueEngine engine, int keys, int requestsPerSecond, int seed)
{
    private readonly Dictionary<string, long> _acknowledged = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    public long Requests { get; private set; }

    public IReadOnlyDictionary<string, long> Acknowledged
    {
        get
        {
            lock (_lock)
            {
                return new Dictionary<string, long>(_acknowledged, StringComparer.Ordinal);
            }
        }
    }

    public static string KeyOf(int i) => "user" + i.ToString("D5", CultureInfo.InvariantCulture);

    public async Task RunAsync(TimeProvider time, TimeSpan duration, CancellationToken cancellationToken)
    {
        var random = new Random(seed);
        var started = time.GetUtcNow();
        long version = 0;
        while (time.GetUtcNow() - started < duration && !cancellationToken.IsCancellationRequested)
        {
            var secondStart = time.GetTimestamp();
            var elapsed = (time.GetUtcNow() - started).TotalSeconds;

            // The hot spot's centre sweeps the key space once every two minutes; 35% of requests fall within 3% of the
            // keys around it, which is more than the partition under it can carry on one node.
            var centre = (int)(elapsed / 120.0 * keys) % keys;
            for (var r = 0; r < requestsPerSecond; r++)
            {
                var i = random.NextDouble() < 0.35 ? (centre + random.Next(keys / 33)) % keys : random.Next(keys);
                var key = KeyOf(i);
                if (random.NextDouble() < 0.3)
                {
                    var value = ++version;
                    await engine.PutAsync(ShardKey.FromString(key), Encoding.ASCII.GetBytes(value.ToString(CultureInfo.InvariantCulture)), cancellationToken);
                    lock (_lock)
                    {
                        _acknowledged[key] = value;
                    }
                }
                else
                {
                    engine.Get(ShardKey.FromString(key));
                }

                Requests++;
            }

            var rest = TimeSpan.FromSeconds(1) - time.GetElapsedTime(secondStart);
            if (rest > TimeSpan.Zero)
            {
                await Task.Delay(rest, time, cancellationToken);
            }
        }
    }
}
