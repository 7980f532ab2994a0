using PredictiveSharding.Redis.Local;
using PredictiveSharding.Redis.Slots;
using PredictiveSharding.Routing;
using StackExchange.Redis;

namespace PredictiveSharding.Redis.Tests.Infrastructure;

/// <summary>
/// Starts a real 3-master Redis Cluster on 127.0.0.1 for the fixture and tears it down afterwards, even when tests fail.
/// When redis-server is missing the set-up fails with how to install it (CI installs it; it is never ignored).
/// </summary>
public abstract class RedisClusterFixture
{
    protected LocalRedisCluster Cluster { get; private set; } = null!;

    protected ConnectionMultiplexer Connection { get; private set; } = null!;

    protected string TempDirectory { get; private set; } = null!;

    /// <summary>Whether nodes keep a synced append-only file (for fixtures that kill and restart a node).</summary>
    protected virtual bool AppendOnly => false;

    /// <summary>The password every master requires (requirepass and masterauth), or null for none.</summary>
    protected virtual string? Password => null;

    /// <summary>Where to start looking for free ports; fixtures use different ranges so they never collide.</summary>
    protected abstract int FirstPort { get; }

    [OneTimeSetUp]
    public async Task StartClusterAsync()
    {
        TempDirectory = Directory.CreateTempSubdirectory("psharding-redis-tests-").FullName;
        Cluster = await LocalRedisCluster.StartAsync(new LocalRedisClusterOptions { FirstPort = FirstPort, AppendOnly = AppendOnly, Password = Password }, CancellationToken.None);
        Connection = await ConnectAsync(Cluster);
    }

    [OneTimeTearDown]
    public async Task StopClusterAsync()
    {
        if (Connection is not null)
        {
            await Connection.DisposeAsync();
        }

        if (Cluster is not null)
        {
            await Cluster.DisposeAsync();
        }

        if (TempDirectory is not null && Directory.Exists(TempDirectory))
        {
            Directory.Delete(TempDirectory, recursive: true);
        }
    }

    protected static async Task<ConnectionMultiplexer> ConnectAsync(LocalRedisCluster cluster)
    {
        var options = ConfigurationOptions.Parse(cluster.ConnectionString);

        // Fail fast while a node is down rather than queueing commands until the timeout: tests kill nodes on purpose.
        options.BacklogPolicy = BacklogPolicy.FailFast;
        options.AsyncTimeout = 5000;
        options.SyncTimeout = 5000;
        options.ConnectTimeout = 2000;
        return await ConnectionMultiplexer.ConnectAsync(options);
    }

    /// <summary>
    /// The cluster's routing map once every master's own view covers every slot: each master learns a slot's new owner by
    /// gossip as well as by the SETSLOT sent to it. A slot that no master claimed for good, seen in CI right after a
    /// roll-back, was a lost claim in the hand-over, not slow gossip (SlotMover now guards the hand-over against it; see
    /// the Redis package README). Waits at most 5 s, then lets the last error through.
    /// </summary>
    protected async Task<RoutingMap> CurrentMapAsync(int maxSlotsPerPartition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(5);
        while (true)
        {
            try
            {
                return await RedisSlotRouting.BuildRoutingMapAsync(Connection, maxSlotsPerPartition, CancellationToken.None);
            }
            catch (InvalidOperationException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(50);
            }
        }
    }

    protected string NewJournalPath() => Path.Combine(TempDirectory, "journal-" + Guid.NewGuid().ToString("N") + ".jsonl");
}
