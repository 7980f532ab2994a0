using PredictiveSharding.Executing;
using PredictiveSharding.Redis.Cluster;
using PredictiveSharding.Redis.Inventory;
using PredictiveSharding.Redis.Migration;
using PredictiveSharding.Redis.Slots;
using PredictiveSharding.Redis.Tests.Infrastructure;
using PredictiveSharding.Routing;

namespace PredictiveSharding.Redis.Tests.Migration;

[Category("Redis")]
[NonParallelizable]
public sealed class NodeFailureTests : RedisClusterFixture
{
    protected override int FirstPort => 27300;

    // The killed node must come back with what it had acknowledged.
    protected override bool AppendOnly => true;

    private async Task WaitUntilClientReconnectedAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (!Connection.GetServers().All(s => s.IsConnected))
        {
            await Task.Delay(50, timeout.Token);
        }
    }

    [Test]
    public async Task Capture_WhileAMasterServingSlotsIsDown_RefusesNamingItRatherThanOfferingItAsATarget()
    {
        var map = await CurrentMapAsync(maxSlotsPerPartition: 4096);
        var deadIndex = 2;
        var dead = Cluster.Addresses[deadIndex];
        var inventory = new RedisClusterInventory(Connection, new RedisClusterInventoryOptions { RequestCapacityPerBucket = 1000 });
        var noSamples = new Dictionary<Topology.PartitionId, IReadOnlyList<Topology.KeySample>>();
        Cluster.Kill(deadIndex);
        try
        {
            // The others flag it fail? after the node timeout (5 s) and fail once both have; wait for the agreed flag.
            var admin = new RedisClusterAdmin(Connection);
            using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
            {
                while (!(await admin.NodesAsync(Cluster.Addresses[0], timeout.Token)).Single(n => n.Address == dead).Flags.Contains("fail"))
                {
                    await Task.Delay(100, timeout.Token);
                }
            }

            Assert.That(
                async () => await inventory.CaptureAsync(map, noSamples, CancellationToken.None),
                Throws.InvalidOperationException.With.Message.Contains($"'{dead}'").And.Message.Contains("fail"));
        }
        finally
        {
            await Cluster.RestartAsync(deadIndex, CancellationToken.None);
            await Cluster.WaitUntilHealthyAsync(CancellationToken.None);
            await WaitUntilClientReconnectedAsync();
        }

        // Back and no longer flagged (it clears once the master answers again): offered again.
        var snapshot = await inventory.CaptureAsync(await CurrentMapAsync(maxSlotsPerPartition: 4096), noSamples, CancellationToken.None);
        Assert.That(snapshot.Nodes.Select(n => n.Id.Value), Is.EquivalentTo(Cluster.Addresses));
    }

    [Test]
    public async Task Capture_RightAfterAMasterCrashes_BeforeAnyNodeFlagsIt_RefusesNamingItRatherThanOfferingIt()
    {
        var map = await CurrentMapAsync(maxSlotsPerPartition: 4096);
        var deadIndex = 1;
        var dead = Cluster.Addresses[deadIndex];
        var inventory = new RedisClusterInventory(Connection, new RedisClusterInventoryOptions { RequestCapacityPerBucket = 1000 });
        var noSamples = new Dictionary<Topology.PartitionId, IReadOnlyList<Topology.KeySample>>();
        Cluster.Kill(deadIndex);
        try
        {
            // Captured at once, well within the node timeout (5 s) after which the others would flag it fail?; whether or
            // not they have yet, it must not be offered as a target, and its partitions cannot be sized.
            Assert.That(
                async () => await inventory.CaptureAsync(map, noSamples, CancellationToken.None),
                Throws.InvalidOperationException.With.Message.Contains($"'{dead}'"));
        }
        finally
        {
            await Cluster.RestartAsync(deadIndex, CancellationToken.None);
            await Cluster.WaitUntilHealthyAsync(CancellationToken.None);
            await WaitUntilClientReconnectedAsync();
        }
    }

    [Test]
    public async Task BuildRoutingMap_WhileAMasterServingSlotsDoesNotAnswer_ThrowsNamingItRatherThanMissingItsOpenSlots()
    {
        // The dead master is importing a slot of another master (a move whose target was marked, then the process and the
        // target died): only its own CLUSTER NODES line says so, and it cannot be read. A map built from the others would
        // not know the slot is open.
        var deadIndex = 2;
        var dead = Cluster.Addresses[deadIndex];
        var owner = Cluster.Addresses[0];
        var admin = new RedisClusterAdmin(Connection);
        var slot = HashSlotRange.FromKeyRange((await CurrentMapAsync(HashSlot.Count)).Routes.First(r => r.Node.Value == owner).Range).Start;
        await admin.SetSlotImportingAsync(dead, slot, await admin.MyIdAsync(owner, CancellationToken.None), CancellationToken.None);
        try
        {
            Cluster.Kill(deadIndex);
            try
            {
                Assert.That(
                    async () => await RedisSlotRouting.BuildRoutingMapAsync(Connection, maxSlotsPerPartition: 4096, CancellationToken.None),
                    Throws.InvalidOperationException.With.Message.Contains($"'{dead}'").And.Message.Contains("did not answer"));
            }
            finally
            {
                await Cluster.RestartAsync(deadIndex, CancellationToken.None);
                await Cluster.WaitUntilHealthyAsync(CancellationToken.None);
                await WaitUntilClientReconnectedAsync();
            }

            // Back (its node file kept the mark), it reports the open slot itself, and the map is refused for that reason.
            Assert.That(
                async () => await RedisSlotRouting.BuildRoutingMapAsync(Connection, maxSlotsPerPartition: 4096, CancellationToken.None),
                Throws.InvalidOperationException.With.Message.Contains(slot.ToString(System.Globalization.CultureInfo.InvariantCulture)).And.Message.Contains("being migrated"));
        }
        finally
        {
            await admin.SetSlotStableAsync(dead, slot, CancellationToken.None);
        }

        Assert.That((await CurrentMapAsync(HashSlot.Count)).Routes.Select(r => r.Node.Value).Distinct(), Is.EquivalentTo(Cluster.Addresses));
    }

    [Test]
    public async Task Execute_WhenTheTargetDiedAfterThePlanWasMade_DoesNotStartTheMoveAndLeavesNothingToRecover()
    {
        var map = await CurrentMapAsync(maxSlotsPerPartition: 8);
        var source = Cluster.Addresses[0];
        var targetIndex = 2;
        var target = Cluster.Addresses[targetIndex];
        var route = map.Routes.First(r => r.Node.Value == source);
        var slots = HashSlotRange.FromKeyRange(route.Range);
        var routing = new RoutingTable(map);
        var workload = new KeyValueWorkload(Connection.GetDatabase(), KeyValueWorkload.KeysIn([slots], perSlot: 3, prefix: "late:"));
        await workload.LoadAsync();
        var steps = new List<(MigrationStep Step, int Slot)>();
        using var executor = new RedisSlotMigrationExecutor(Connection, routing, new RedisMigrationOptions { JournalPath = NewJournalPath(), RetryDelay = TimeSpan.FromMilliseconds(20) })
        {
            StepHook = (step, slot, _) =>
            {
                steps.Add((step, slot));
                return ValueTask.CompletedTask;
            },
        };

        // The plan was made while the target was healthy; it crashed since, and no node flags it yet (node timeout 5 s).
        Cluster.Kill(targetIndex);
        try
        {
            var summary = await executor.ExecuteAsync(MigrationTests.Plan(new Planning.MoveAction(route.Partition, route.Node, new Topology.NodeId(target), 1, DateTimeOffset.UnixEpoch, TimeSpan.Zero, "test")), CancellationToken.None);

            Assert.That(summary.Actions.Single().Status, Is.EqualTo(PlanActionStatus.RolledBack), "refused before it started: nothing is left for recovery");
            Assert.That(summary.Errors.Single(), Does.Contain($"'{target}'").And.Contain("not started"));
            Assert.That(steps, Is.Empty, "no slot was opened");
            Assert.That(routing.Current.Get(route.Partition).Node, Is.EqualTo(route.Node));
            var view = await new RedisClusterAdmin(Connection).ReadViewAsync(CancellationToken.None);
            Assert.That(view.OpenSlots(), Is.Empty, "no slot was marked on the source");
            Assert.That(view.OwnerOf(slots.Start)!.Address, Is.EqualTo(source));
            var report = await executor.RecoverAsync(CancellationToken.None);
            Assert.That(report.IsClean && report.Resumed.Count == 0 && report.RolledBack.Count == 0, Is.True, "the journal holds no move: " + string.Join("; ", report.Unfinished));
            Assert.That(await workload.LostWritesAsync(), Is.Empty);
        }
        finally
        {
            await Cluster.RestartAsync(targetIndex, CancellationToken.None);
            await Cluster.WaitUntilHealthyAsync(CancellationToken.None);
            await WaitUntilClientReconnectedAsync();
        }
    }

    [Test]
    public async Task Execute_WhenTheSourceDiedAfterThePlanWasMade_DoesNotStartTheMoveNorMarkTheTarget()
    {
        var map = await CurrentMapAsync(maxSlotsPerPartition: 8);
        var sourceIndex = 1;
        var source = Cluster.Addresses[sourceIndex];
        var target = Cluster.Addresses[0];
        var route = map.Routes.First(r => r.Node.Value == source);
        var routing = new RoutingTable(map);
        var steps = new List<(MigrationStep Step, int Slot)>();
        using var executor = new RedisSlotMigrationExecutor(Connection, routing, new RedisMigrationOptions { JournalPath = NewJournalPath(), RetryDelay = TimeSpan.FromMilliseconds(20) })
        {
            StepHook = (step, slot, _) =>
            {
                steps.Add((step, slot));
                return ValueTask.CompletedTask;
            },
        };

        Cluster.Kill(sourceIndex);
        try
        {
            var summary = await executor.ExecuteAsync(MigrationTests.Plan(new Planning.MoveAction(route.Partition, route.Node, new Topology.NodeId(target), 1, DateTimeOffset.UnixEpoch, TimeSpan.Zero, "test")), CancellationToken.None);

            Assert.That(summary.Actions.Single().Status, Is.EqualTo(PlanActionStatus.RolledBack), "refused before it started: nothing is left for recovery");
            Assert.That(summary.Errors.Single(), Does.Contain($"'{source}'").And.Contain("not started"));
            Assert.That(steps, Is.Empty, "no slot was opened");
            var view = await new RedisClusterAdmin(Connection).ReadViewAsync(CancellationToken.None);
            Assert.That(view.Self[target].Importing, Is.Empty, "the target was not left importing a slot");
            var report = await executor.RecoverAsync(CancellationToken.None);
            Assert.That(report.IsClean && report.Resumed.Count == 0 && report.RolledBack.Count == 0, Is.True, "the journal holds no move: " + string.Join("; ", report.Unfinished));
        }
        finally
        {
            await Cluster.RestartAsync(sourceIndex, CancellationToken.None);
            await Cluster.WaitUntilHealthyAsync(CancellationToken.None);
            await WaitUntilClientReconnectedAsync();
        }
    }

    [Test]
    public async Task Execute_WhileAnUninvolvedMasterIsDown_SendsItNothingButTheViewsReads()
    {
        var map = await CurrentMapAsync(maxSlotsPerPartition: 2);
        var source = Cluster.Addresses[0];
        var target = Cluster.Addresses[1];
        var deadIndex = 2;
        var dead = Cluster.Addresses[deadIndex];
        var route = map.Routes.Last(r => r.Node.Value == source);
        var routing = new RoutingTable(map);
        var (connection, log) = FaultyDumpConnection.Wrap(Connection, address: string.Empty, failures: 0);
        using var executor = new RedisSlotMigrationExecutor(connection, routing, new RedisMigrationOptions { JournalPath = NewJournalPath(), SampledKeysPerSlot = 0, RetryDelay = TimeSpan.FromMilliseconds(20) });

        // A master down (crashed, or failed over and not back): it can neither take a SETSLOT NODE nor send a stale claim,
        // and each command to it waits the multiplexer's timeout (5 s by default) unless it fails fast; it learns the new
        // owners by gossip when it is back. Before, every slot's hand-over asked it for its epochs and sent it SETSLOT NODE.
        Cluster.Kill(deadIndex);
        try
        {
            var summary = await executor.ExecuteAsync(MigrationTests.Plan(new Planning.MoveAction(route.Partition, route.Node, new Topology.NodeId(target), 1, DateTimeOffset.UnixEpoch, TimeSpan.Zero, "test")), CancellationToken.None);

            Assert.That(summary.Errors, Is.Empty);
            Assert.That(summary.Actions.Single().Status, Is.EqualTo(PlanActionStatus.Completed));
            List<string> toDead;
            lock (log.Sent)
            {
                toDead = [.. log.Sent.Where(c => c.Address == dead && c.Command != "CLUSTER NODES").Select(c => c.Command)];
            }

            Assert.That(toDead, Is.Empty);
        }
        finally
        {
            await Cluster.RestartAsync(deadIndex, CancellationToken.None);
            await Cluster.WaitUntilHealthyAsync(CancellationToken.None);
            await WaitUntilClientReconnectedAsync();
        }

        var after = await CurrentMapAsync(HashSlot.Count);
        Assert.That(MigrationTests.OwnerOf(after, HashSlotRange.FromKeyRange(route.Range))!.Value.Value, Is.EqualTo(target), "the restarted master learned the new owner by gossip");
    }

    [Test]
    public async Task Execute_WhenTheTargetDiesMidMove_ReportsItLeavesTheClusterConsistentAndRecoveryRollsBack()
    {
        var map = await CurrentMapAsync(maxSlotsPerPartition: 8);
        var source = Cluster.Addresses[0];
        var targetIndex = 1;
        var target = Cluster.Addresses[targetIndex];
        var route = map.Routes.First(r => r.Node.Value == source);
        var slots = HashSlotRange.FromKeyRange(route.Range);
        var routing = new RoutingTable(map);
        var workload = new KeyValueWorkload(Connection.GetDatabase(), KeyValueWorkload.KeysIn([slots], perSlot: 6, prefix: "dies:"));
        await workload.LoadAsync();
        var journal = NewJournalPath();
        var killAt = slots.Start + 2;
        var killed = false;
        using var executor = new RedisSlotMigrationExecutor(Connection, routing, new RedisMigrationOptions { JournalPath = journal, KeysPerBatch = 2, RetryDelay = TimeSpan.FromMilliseconds(20) })
        {
            StepHook = (step, slot, _) =>
            {
                if (step == MigrationStep.BatchMigrated && slot == killAt && !killed)
                {
                    killed = true;
                    Cluster.Kill(targetIndex);
                }

                return ValueTask.CompletedTask;
            },
        };

        var summary = await executor.ExecuteAsync(MigrationTests.Plan(new Planning.MoveAction(route.Partition, route.Node, new Topology.NodeId(target), 1, DateTimeOffset.UnixEpoch, TimeSpan.Zero, "test")), CancellationToken.None);

        Assert.That(summary.RolledBack, Is.EqualTo(1));
        Assert.That(summary.Errors.Single(), Does.Contain(target).And.Contain("unreachable").And.Contain("slot " + killAt));
        Assert.That(summary.Actions.Single().Status, Is.EqualTo(PlanActionStatus.RollbackPending), "the move stays in the journal for recovery to undo");
        Assert.That(routing.Current.Get(route.Partition).Node, Is.EqualTo(route.Node), "nothing is published for a move that did not finish");
        var view = await new RedisClusterAdmin(Connection).ReadViewAsync(CancellationToken.None);
        Assert.That(view.Unreachable, Is.EqualTo(new[] { target }));
        for (var slot = 0; slot < HashSlot.Count; slot++)
        {
            Assert.That(view.OwnerOf(slot), Is.Not.Null, $"slot {slot} has an owner");
        }

        Assert.That(view.OwnerOf(slots.Start)!.Address, Is.EqualTo(target), "slots handed over before the crash stay with the target");
        Assert.That(view.OwnerOf(killAt)!.Address, Is.EqualTo(source));
        Assert.That(view.OwnerOf(slots.End - 1)!.Address, Is.EqualTo(source));
        Assert.That(view.OpenSlots(), Is.EqualTo(new[] { killAt }), "only the slot in flight is open, so its moved keys stay reachable by ASK");
        Assert.That(view.Self[source].Migrating.Keys, Is.EqualTo(new[] { killAt }));

        // While the target is down, recovery cannot finish the undo, so the next plan is refused before anything starts.
        var refused = await executor.ExecuteAsync(MigrationTests.Plan(new Planning.MoveAction(route.Partition, route.Node, new Topology.NodeId(target), 1, DateTimeOffset.UnixEpoch, TimeSpan.Zero, "test")), CancellationToken.None);
        Assert.That(refused.RolledBack, Is.EqualTo(1));
        Assert.That(refused.Actions.Single().Status, Is.EqualTo(PlanActionStatus.Skipped), "not started: an earlier move is unfinished");
        Assert.That(refused.Actions.Single().Error, Does.Contain("an earlier move is unfinished"));

        await Cluster.RestartAsync(targetIndex, CancellationToken.None);
        await Cluster.WaitUntilHealthyAsync(CancellationToken.None);
        await WaitUntilClientReconnectedAsync();
        var report = await executor.RecoverAsync(CancellationToken.None);

        Assert.That(report.IsClean, Is.True, string.Join("; ", report.Unfinished));
        Assert.That(report.RolledBack, Is.EqualTo(new[] { route.Partition.Value }));
        var after = await CurrentMapAsync(HashSlot.Count);
        Assert.That(MigrationTests.OwnerOf(after, slots)!.Value.Value, Is.EqualTo(source));
        Assert.That(await workload.LostWritesAsync(), Is.Empty);
    }
}
