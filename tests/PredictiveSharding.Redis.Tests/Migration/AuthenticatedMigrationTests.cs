using PredictiveSharding.Planning;
using PredictiveSharding.Redis.Cluster;
using PredictiveSharding.Redis.Migration;
using PredictiveSharding.Redis.Slots;
using PredictiveSharding.Redis.Tests.Infrastructure;
using PredictiveSharding.Routing;
using StackExchange.Redis;

namespace PredictiveSharding.Redis.Tests.Migration;

/// <summary>Moves on a cluster whose masters require a password (requirepass and masterauth).</summary>
[Category("Redis")]
[NonParallelizable]
public sealed class AuthenticatedMigrationTests : RedisClusterFixture
{
    private const string Secret = "s3cret-Pa55";

    protected override int FirstPort => 27500;

    protected override string? Password => Secret;

    [Test]
    public async Task Cluster_RequiresThePassword()
    {
        // Without this the move test below would prove nothing: MIGRATE needs no AUTH to a target that asks for none.
        var options = ConfigurationOptions.Parse(string.Join(",", Cluster.Addresses) + ",abortConnect=false,connectTimeout=2000");
        await using var anonymous = await ConnectionMultiplexer.ConnectAsync(options);

        Assert.That(async () => await anonymous.GetDatabase().StringSetAsync("anonymous", "x"), Throws.InstanceOf<RedisException>());
        Assert.That(ConfigurationOptions.Parse(Connection.Configuration).Password, Is.EqualTo(Secret), "the test's connection carries the password");
    }

    [Test]
    public async Task Execute_OnAPasswordProtectedCluster_MovesTheSlotsWithEveryKey()
    {
        var map = await CurrentMapAsync(maxSlotsPerPartition: 4);
        var source = map.Routes[0].Node;
        var route = map.Routes[0];
        var target = map.Routes.First(r => r.Node != source).Node;
        var slots = HashSlotRange.FromKeyRange(route.Range);
        var workload = new KeyValueWorkload(Connection.GetDatabase(), KeyValueWorkload.KeysIn([slots], perSlot: 5, prefix: "auth:"));
        await workload.LoadAsync();
        var routing = new RoutingTable(map);
        using var executor = new RedisSlotMigrationExecutor(Connection, routing, new RedisMigrationOptions { JournalPath = NewJournalPath(), KeysPerBatch = 3, Attempts = 1 });

        var summary = await executor.ExecuteAsync(MigrationTests.Plan(new MoveAction(route.Partition, source, target, 1, DateTimeOffset.UnixEpoch, TimeSpan.Zero, "test")), CancellationToken.None);

        Assert.That(summary.Errors, Is.Empty);
        Assert.That(summary.Completed, Is.EqualTo(1));
        Assert.That(executor.LastMoves.Single().KeysMigrated, Is.EqualTo(workload.Keys.Count));
        var admin = new RedisClusterAdmin(Connection);
        long onTarget = 0;
        long onSource = 0;
        for (var slot = slots.Start; slot < slots.End; slot++)
        {
            onTarget += await admin.CountKeysInSlotAsync(target.Value, slot, CancellationToken.None);
            onSource += await admin.CountKeysInSlotAsync(source.Value, slot, CancellationToken.None);
        }

        Assert.That(onTarget, Is.EqualTo(workload.Keys.Count), "every key of the moved slots is on the target");
        Assert.That(onSource, Is.Zero);
        Assert.That(MigrationTests.OwnerOf(await CurrentMapAsync(HashSlot.Count), slots), Is.EqualTo(target));
        Assert.That(await workload.LostWritesAsync(), Is.Empty);
    }
}
