using PredictiveSharding.Planning;
using PredictiveSharding.Redis.Migration;
using PredictiveSharding.Redis.Slots;
using PredictiveSharding.Redis.Tests.Infrastructure;
using PredictiveSharding.Routing;
using PredictiveSharding.Topology;

namespace PredictiveSharding.Redis.Tests.Migration;

[Category("Redis")]
[NonParallelizable]
public sealed class MigrationTests : RedisClusterFixture
{
    protected override int FirstPort => 27100;

    [Test]
    public async Task Execute_WhileClientsWriteAndRead_MovesSlotsAndLosesNoAcknowledgedWrite()
    {
        var map = await CurrentMapAsync(maxSlotsPerPartition: 64);
        var nodes = map.Routes.Select(r => r.Node).Distinct().OrderBy(n => n.Value, StringComparer.Ordinal).ToList();
        var first = map.Routes.First(r => r.Node == nodes[0]);
        var second = map.Routes.Last(r => r.Node == nodes[0]);
        var routing = new RoutingTable(map);
        var workload = new KeyValueWorkload(Connection.GetDatabase(), KeyValueWorkload.KeysIn([HashSlotRange.FromKeyRange(first.Range), HashSlotRange.FromKeyRange(second.Range)], perSlot: 6, prefix: "live:"));
        await workload.LoadAsync();
        using var executor = new RedisSlotMigrationExecutor(Connection, routing, new RedisMigrationOptions { JournalPath = NewJournalPath(), KeysPerBatch = 4 });
        var plan = Plan(new MoveAction(first.Partition, nodes[0], nodes[1], 1, DateTimeOffset.UnixEpoch, TimeSpan.Zero, "test"), new MoveAction(second.Partition, nodes[0], nodes[2], 1, DateTimeOffset.UnixEpoch, TimeSpan.Zero, "test"));

        using var stop = new CancellationTokenSource();
        var traffic = workload.RunAsync(writers: 3, stop.Token);
        var summary = await executor.ExecuteAsync(plan, CancellationToken.None);
        await Task.Delay(200);
        await stop.CancelAsync();
        await traffic;

        Assert.That(summary.Errors, Is.Empty);
        Assert.That(summary.Completed, Is.EqualTo(2));
        Assert.That(workload.StaleRead, Is.Null);
        Assert.That(workload.Writes, Is.GreaterThan(workload.Keys.Count));
        Assert.That(await workload.LostWritesAsync(), Is.Empty);
        var after = await CurrentMapAsync(HashSlot.Count);
        Assert.That(OwnerOf(after, HashSlotRange.FromKeyRange(first.Range)), Is.EqualTo(nodes[1]));
        Assert.That(OwnerOf(after, HashSlotRange.FromKeyRange(second.Range)), Is.EqualTo(nodes[2]));
        Assert.That(routing.Current.Get(first.Partition).Node, Is.EqualTo(nodes[1]));
        Assert.That(routing.Current.Get(second.Partition).Node, Is.EqualTo(nodes[2]));
    }

    internal static ShardingPlan Plan(params ShardingAction[] actions)
    {
        var summary = new UtilizationSummary(0, new NodeId("n"), ResourceKind.Requests, 0);
        return new ShardingPlan(true, actions, summary, summary, 0, TimeSpan.Zero);
    }

    internal static NodeId? OwnerOf(RoutingMap clusterMap, HashSlotRange slots)
    {
        var owners = clusterMap.Routes.Where(r => HashSlotRange.FromKeyRange(r.Range) is var s && s.Start < slots.End && slots.Start < s.End).Select(r => r.Node).Distinct().ToList();
        return owners.Count == 1 ? owners[0] : null;
    }
}
