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
        Lost = 0;
        foreach (var (key, value) in generator.Acknowledged)
        {
            var read = engine.Get(ShardKey.FromString(key));
            if (read is null || Encoding.ASCII.GetString(read) != value.ToString(CultureInfo.InvariantCulture))
            {
                Lost++;
            }
        }

        Console.WriteLine($"Served {generator.Requests} requests; routing version {routing.Current.Version} with {routing.Current.Count} partitions; last cycle {loop.Status.LastSuccess:O}, {loop.Status.ConsecutiveFailures} failures in a row.");
        Console.WriteLine($"Verification: {generator.Acknowledged.Count} keys with acknowledged writes, {Lost} lost or stale.");
        lifetime.StopApplication();
    }
}
