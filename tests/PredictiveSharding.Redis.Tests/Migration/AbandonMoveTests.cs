using Microsoft.Extensions.Logging.Testing;
using PredictiveSharding.Planning;
using PredictiveSharding.Redis.Cluster;
using PredictiveSharding.Redis.Migration;
using PredictiveSharding.Redis.Migration.Journal;
using PredictiveSharding.Redis.Slots;
using PredictiveSharding.Redis.Tests.Infrastructure;
using PredictiveSharding.Routing;
using PredictiveSharding.Topology;

namespace PredictiveSharding.Redis.Tests.Migration;

/// <summary>
/// A journalled move whose slots another tool resharded since can be neither resumed nor rolled back; an operator drops
/// it with <see cref="RedisSlotMigrationExecutor.AbandonMoveAsync"/>, which refuses while that would strand a slot or keys.
/// </summary>
[Category("Redis")]
[NonParallelizable]
public sealed class AbandonMoveTests : RedisClusterFixture
{
    protected override int FirstPort => 27600;

    [Test]
    public async Task AbandonMoveAsync_WhenAnotherToolMovedTheSlotsOfAJournalledMove_DropsItPublishesTheirOwnerAndUnblocksPlans()
    {
        // The move of p (A -> B) crashed with its first slot open. An operator then closed the slot and moved the whole
        // partition to C with another tool. Neither resuming nor rolling back can finish the move (its slots are on C),
        // so every recovery reported it unfinished and every plan was refused, with no way to drop it short of
        // deleting the journal.
        var (routing, route, target, third, slots, workload, journal) = await CrashWithTheFirstSlotOpenAsync(index: 1, MigrationStep.Opened);
        var admin = new RedisClusterAdmin(Connection);
        await admin.SetSlotStableAsync(route.Node.Value, slots.Start, CancellationToken.None);
        await admin.SetSlotStableAsync(target.Value, slots.Start, CancellationToken.None);
        using (var other = new RedisSlotMigrationExecutor(Connection, new RoutingTable(routing.Current), new RedisMigrationOptions { JournalPath = NewJournalPath(), KeysPerBatch = 2 }))
        {
            var moved = await other.ExecuteAsync(MigrationTests.Plan(Move(route, third)), CancellationToken.None);
            Assert.That(moved.Completed, Is.EqualTo(1), string.Join("; ", moved.Errors));
        }

        var logger = new FakeLogger<RedisSlotMigrationExecutor>();
        using var executor = new RedisSlotMigrationExecutor(Connection, routing, Options(journal), logger: logger);
        var stuck = await executor.RecoverAsync(CancellationToken.None);
        Assert.That(stuck.Unfinished, Has.Count.EqualTo(1), "the move can be neither resumed nor rolled back");

        await executor.AbandonMoveAsync(route.Partition.Value, CancellationToken.None);

        var after = await executor.RecoverAsync(CancellationToken.None);
        var view = await admin.ReadViewAsync(CancellationToken.None);
        Assert.Multiple(() =>
        {
            Assert.That(new MigrationJournal(journal).OpenMoves(), Is.Empty);
            Assert.That(after.IsClean, Is.True, string.Join("; ", after.Unfinished));
            Assert.That(routing.Current.Get(route.Partition).Node, Is.EqualTo(third), "every slot of the move is served by C, so routing says so");
            Assert.That(Enumerable.Range(slots.Start, slots.Count).Select(s => view.OwnerOf(s)?.Address), Is.All.EqualTo(third.Value), "the cluster was not changed");
            Assert.That(view.OpenSlots(), Is.Empty);
            Assert.That(
                logger.Collector.GetSnapshot().Where(r => r.Id.Id == 6018).Select(r => r.Message),
                Has.One.Contains(route.Partition.Value).And.Contains("abandoned").And.Contains(third.Value));
        });
        Assert.That(await workload.LostWritesAsync(), Is.Empty);
    }

    [Test]
    public async Task AbandonMoveAsync_WhileASlotOfTheMoveIsStillOpen_RefusesNamingItAndKeepsTheMove()
    {
        var (routing, route, target, _, slots, workload, journal) = await CrashWithTheFirstSlotOpenAsync(index: 2, MigrationStep.Opened);
        using var executor = new RedisSlotMigrationExecutor(Connection, routing, Options(journal));

        Assert.That(
            () => executor.AbandonMoveAsync(route.Partition.Value, CancellationToken.None),
            Throws.InvalidOperationException.With.Message.Contains($"slot {slots.Start} is still open").And.Message.Contains("MIGRATING"));

        Assert.That(new MigrationJournal(journal).OpenMoves(), Has.Count.EqualTo(1), "nothing was dropped");
        var report = await executor.RecoverAsync(CancellationToken.None);
        Assert.That(report.Resumed, Is.EqualTo(new[] { route.Partition.Value }), "recovery still finishes it");
        Assert.That(routing.Current.Get(route.Partition).Node, Is.EqualTo(target));
        Assert.That(await workload.LostWritesAsync(), Is.Empty);
    }

    [Test]
    public async Task AbandonMoveAsync_WhenAMasterOfTheMoveHoldsKeysOfASlotItDoesNotServe_RefusesNamingThem()
    {
        // The move crashed after its first batch went to B; a careless fix closed the slot on both masters, so B holds two
        // keys of a slot that A serves, which no client reaches. Dropping the move would hide that for good.
        var (routing, route, target, _, slots, _, journal) = await CrashWithTheFirstSlotOpenAsync(index: 3, MigrationStep.BatchMigrated);
        var admin = new RedisClusterAdmin(Connection);
        await admin.SetSlotStableAsync(route.Node.Value, slots.Start, CancellationToken.None);
        await admin.SetSlotStableAsync(target.Value, slots.Start, CancellationToken.None);
        using var executor = new RedisSlotMigrationExecutor(Connection, routing, Options(journal));

        Assert.That(
            () => executor.AbandonMoveAsync(route.Partition.Value, CancellationToken.None),
            Throws.InvalidOperationException.With.Message.Contains($"'{target}' holds 2 key(s) of slot {slots.Start}").And.Message.Contains("redis-cli --cluster fix"));
        Assert.That(new MigrationJournal(journal).OpenMoves(), Has.Count.EqualTo(1), "nothing was dropped");
    }

    [Test]
    public void AbandonMoveAsync_ForAPartitionWithNoJournalledMove_ThrowsNamingIt()
    {
        using var executor = new RedisSlotMigrationExecutor(Connection, new RoutingTable(RoutingMap.WholeKeySpace(new PartitionId("all"), new NodeId("x"))), Options(NewJournalPath()));

        Assert.That(
            () => executor.AbandonMoveAsync("nowhere", CancellationToken.None),
            Throws.ArgumentException.With.Message.Contains("'nowhere'").And.Message.Contains("none"));
        Assert.That(() => executor.AbandonMoveAsync(" ", CancellationToken.None), Throws.ArgumentException);
    }

    private static RedisMigrationOptions Options(string journal) =>
        new() { JournalPath = journal, KeysPerBatch = 2, SampledKeysPerSlot = 2, RetryDelay = TimeSpan.FromMilliseconds(10) };

    private static MoveAction Move(PartitionRoute route, NodeId target) =>
        new(route.Partition, route.Node, target, 1, DateTimeOffset.UnixEpoch, TimeSpan.Zero, "test");

    /// <summary>Loads a two-slot partition on A and crashes its move to B at <paramref name="crashAt"/> of its first slot.</summary>
    private async Task<(RoutingTable Routing, PartitionRoute Route, NodeId Target, NodeId Third, HashSlotRange Slots, KeyValueWorkload Workload, string Journal)> CrashWithTheFirstSlotOpenAsync(int index, MigrationStep crashAt)
    {
        var map = await CurrentMapAsync(maxSlotsPerPartition: 2);
        var candidates = map.Routes.Where(r => HashSlotRange.FromKeyRange(r.Range).Count == 2).ToList();
        var route = candidates[(index * 37) % candidates.Count];
        var nodes = map.Routes.Select(r => r.Node).Distinct().OrderBy(n => n.Value, StringComparer.Ordinal).ToList();
        var target = nodes[(nodes.IndexOf(route.Node) + 1) % nodes.Count];
        var third = nodes[(nodes.IndexOf(route.Node) + 2) % nodes.Count];
        var slots = HashSlotRange.FromKeyRange(route.Range);
        var workload = new KeyValueWorkload(Connection.GetDatabase(), KeyValueWorkload.KeysIn([slots], perSlot: 4, prefix: "abandon-" + index + ":"));
        await workload.LoadAsync();
        var routing = new RoutingTable(map);
        var journal = NewJournalPath();
        using (var crashing = new RedisSlotMigrationExecutor(Connection, routing, Options(journal))
        {
            StepHook = (step, _, _) => step == crashAt ? throw new SimulatedCrashException() : ValueTask.CompletedTask,
        })
        {
            Assert.That(() => crashing.ExecuteAsync(MigrationTests.Plan(Move(route, target)), CancellationToken.None), Throws.TypeOf<SimulatedCrashException>());
        }

        return (routing, route, target, third, slots, workload, journal);
    }
}
