using System.Globalization;
using System.Text;
using EmbeddedEngine;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using PredictiveSharding.Hosting.ControlLoop;
using PredictiveSharding.Keys;
using PredictiveSharding.Routing;

namespace GenericHost;

/// <summary>The existing service's own work: it serves traffic and stops the host; <see cref="Verify"/> then checks every acknowledged write.</summary>
internal sealed class TrafficService(KeyValueEngine engine, IOptions<SampleSettings> settings, IRoutingTable routing, ShardingControlLoop loop, IHostApplicationLifetime lifetime) : BackgroundService
{
    private LoadGenerator? _generator;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var s = settings.Value;
        _generator = new LoadGenerator(engine, s.Keys, s.RequestsPerSecond, seed: 5);
        await _generator.RunAsync(TimeProvider.System, TimeSpan.FromSeconds(s.Seconds), stoppingToken);
        Console.WriteLine($"Served {_generator.Requests} requests; routing version {routing.Current.Version} with {routing.Current.Count} partitions; last cycle {loop.Status.LastSuccess:O}, {loop.Status.ConsecutiveFailures} failures in a row.");
        lifetime.StopApplication();
    }

    /// <summary>
    /// Reads back every key and returns how many are lost or stale (-1 when no traffic ran). Called once the host has
    /// stopped: the control loop's last plan may still have been moving ranges when the traffic ended, and the host's
    /// stop cancels it, so only then is the state the one the service would restart from.
    /// </summary>
    public int Verify()
    {
        if (_generator is null)
        {
            return -1;
        }

        // Every loaded key is checked, not only those the generator rewrote: the initial load (100 zero bytes each) was
        // acknowledged too.
        var keys = settings.Value.Keys;
        var lost = 0;
        foreach (var i in Enumerable.Range(0, keys))
        {
            var key = LoadGenerator.KeyOf(i);
            var read = engine.Get(ShardKey.FromString(key));
            var intact = read is not null && (_generator.Acknowledged.TryGetValue(key, out var value)
                ? Encoding.ASCII.GetString(read) == value.ToString(CultureInfo.InvariantCulture)
                : read.Length == 100 && read.All(b => b == 0));
            if (!intact)
            {
                lost++;
            }
        }

        Console.WriteLine($"Verification after the host stopped: all {keys} keys read back ({_generator.Acknowledged.Count} rewritten during the run), {lost} lost or stale; routing version {routing.Current.Version}.");
        return lost;
    }
}
