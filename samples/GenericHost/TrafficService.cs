using System.Globalization;
using System.Text;
using EmbeddedEngine;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using PredictiveSharding.Hosting.ControlLoop;
using PredictiveSharding.Keys;
using PredictiveSharding.Routing;

namespace GenericHost;

/// <summary>The existing service's own work: it serves traffic, then checks every acknowledged write and stops the host.</summary>
internal sealed class TrafficService(KeyValueEngine engine, IOptions<SampleSettings> settings, IRoutingTable routing, ShardingControlLoop loop, IHostApplicationLifetime lifetime) : BackgroundService
{
    public int Lost { get; private set; } = -1;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var s = settings.Value;
        var generator = new LoadGenerator(engine, s.Keys, s.RequestsPerSecond, seed: 5);
        await generator.RunAsync(TimeProvider.System, TimeSpan.FromSeconds(s.Seconds), stoppingToken);
        // Every loaded key is checked, not only those the generator rewrote: the initial load (100 zero bytes each) was
        // acknowledged too.
        Lost = 0;
        foreach (var i in Enumerable.Range(0, s.Keys))
        {
            var key = LoadGenerator.KeyOf(i);
            var read = engine.Get(ShardKey.FromString(key));
            var intact = read is not null && (generator.Acknowledged.TryGetValue(key, out var value)
                ? Encoding.ASCII.GetString(read) == value.ToString(CultureInfo.InvariantCulture)
                : read.Length == 100 && read.All(b => b == 0));
            if (!intact)
            {
                Lost++;
            }
        }

        Console.WriteLine($"Served {generator.Requests} requests; routing version {routing.Current.Version} with {routing.Current.Count} partitions; last cycle {loop.Status.LastSuccess:O}, {loop.Status.ConsecutiveFailures} failures in a row.");
        Console.WriteLine($"Verification: all {s.Keys} keys read back ({generator.Acknowledged.Count} rewritten during the run), {Lost} lost or stale.");
        lifetime.StopApplication();
    }
}
