using PredictiveSharding.Executing;
using PredictiveSharding.Planning;
using PredictiveSharding.Redis.Migration;
using PredictiveSharding.Redis.Slots;
using PredictiveSharding.Redis.Tests.Infrastructure;
using PredictiveSharding.Routing;
using PredictiveSharding.Topology;

namespace PredictiveSharding.Redis.Tests.Migration;

/// <summary>The executor over canned <c>CLUSTER NODES</c> answers, with masters failing before a move starts.</summary>
public sealed class UnhealthyEndpointTests : CannedClusterTests
{
    [TestCase("fail")]
    [TestCase("fail?")]
    public async Task Execute_WhenTheTargetIsFlaggedFailing_RefusesTheMoveBeforeMarkingAnySlot(string flag)
    {
        // A sees C failing (a flag set after the plan was made); C itself still answers, e.g. cut off from the cluster bus
        // only, or back a moment before the flag clears.
        var (connection, canned) = CannedNodesConnection.Create(new Dictionary<string, string>
        {
            ["127.0.0.1:30001"] = $"{A} 127.0.0.1:30001@31001 myself,master - 0 0 1 connected 0-8191\n{B} 127.0.0.1:30002@31002 master - 0 1426238316232 2 connected 8192-16383\n{C} 127.0.0.1:30003@31003 master,{flag} - 1426238317239 1426238316232 3 connected\n",
            ["127.0.0.1:30002"] = $"{A} 127.0.0.1:30001@31001 master - 0 1426238316232 1 connected 0-8191\n{B} 127.0.0.1:30002@31002 myself,master - 0 0 2 connected 8192-16383\n{C} 127.0.0.1:30003@31003 master,{flag} - 1426238317239 1426238316232 3 connected\n",
            ["127.0.0.1:30003"] = $"{A} 127.0.0.1:30001@31001 master - 0 1426238316232 1 connected 0-8191\n{B} 127.0.0.1:30002@31002 master - 0 1426238316232 2 connected 8192-16383\n{C} 127.0.0.1:30003@31003 myself,master - 0 0 3 connected\n",
        });
        var routing = new RoutingTable(await RedisSlotRouting.BuildRoutingMapAsync(connection, maxSlotsPerPartition: 4096, CancellationToken.None));
        var route = routing.Current.Routes.First(r => r.Node.Value == "127.0.0.1:30001");
        using var executor = new RedisSlotMigrationExecutor(connection, routing, new RedisMigrationOptions { JournalPath = Path.Combine(Folder, "j.jsonl"), RetryDelay = TimeSpan.Zero });

        var summary = await executor.ExecuteAsync(MigrationTests.Plan(new MoveAction(route.Partition, route.Node, new NodeId("127.0.0.1:30003"), 1, DateTimeOffset.UnixEpoch, TimeSpan.Zero, "test")), CancellationToken.None);

        Assert.That(summary.Actions.Single().Status, Is.EqualTo(PlanActionStatus.RolledBack));
        Assert.That(summary.Errors.Single(), Does.Contain("'127.0.0.1:30003'").And.Contain($"'{flag}'").And.Contain("not started"));
        Assert.That(canned.Sent.Where(c => c.Contains("SETSLOT", StringComparison.Ordinal) || c.Contains("MIGRATE", StringComparison.Ordinal)), Is.Empty, "no slot was marked, no key moved");
        Assert.That(routing.Current.Get(route.Partition).Node, Is.EqualTo(route.Node));
    }

    [TestCase("fail")]
    [TestCase("fail?")]
    public async Task Execute_WhenTheSourceIsFlaggedFailing_RefusesTheMoveBeforeMarkingAnySlot(string flag)
    {
        // B sees A failing while A still answers: a failover may be about to hand A's slots to a replica.
        var (connection, canned) = CannedNodesConnection.Create(new Dictionary<string, string>
        {
            ["127.0.0.1:30002"] = $"{A} 127.0.0.1:30001@31001 master,{flag} - 1426238317239 1426238316232 1 connected 0-8191\n{B} 127.0.0.1:30002@31002 myself,master - 0 0 2 connected 8192-16383\n{C} 127.0.0.1:30003@31003 master - 0 1426238316232 3 connected\n",
            ["127.0.0.1:30001"] = $"{A} 127.0.0.1:30001@31001 myself,master - 0 0 1 connected 0-8191\n{B} 127.0.0.1:30002@31002 master - 0 1426238316232 2 connected 8192-16383\n{C} 127.0.0.1:30003@31003 master - 0 1426238316232 3 connected\n",
            ["127.0.0.1:30003"] = $"{A} 127.0.0.1:30001@31001 master,{flag} - 1426238317239 1426238316232 1 connected 0-8191\n{B} 127.0.0.1:30002@31002 master - 0 1426238316232 2 connected 8192-16383\n{C} 127.0.0.1:30003@31003 myself,master - 0 0 3 connected\n",
        });
        var routing = new RoutingTable(await RedisSlotRouting.BuildRoutingMapAsync(connection, maxSlotsPerPartition: 4096, CancellationToken.None));
        var route = routing.Current.Routes.First(r => r.Node.Value == "127.0.0.1:30001");
        using var executor = new RedisSlotMigrationExecutor(connection, routing, new RedisMigrationOptions { JournalPath = Path.Combine(Folder, "j.jsonl"), RetryDelay = TimeSpan.Zero });

        var summary = await executor.ExecuteAsync(MigrationTests.Plan(new MoveAction(route.Partition, route.Node, new NodeId("127.0.0.1:30003"), 1, DateTimeOffset.UnixEpoch, TimeSpan.Zero, "test")), CancellationToken.None);

        Assert.That(summary.Actions.Single().Status, Is.EqualTo(PlanActionStatus.RolledBack));
        Assert.That(summary.Errors.Single(), Does.Contain("'127.0.0.1:30001'").And.Contain($"'{flag}'").And.Contain("not started"));
        Assert.That(canned.Sent.Where(c => c.Contains("SETSLOT", StringComparison.Ordinal) || c.Contains("MIGRATE", StringComparison.Ordinal)), Is.Empty, "no slot was marked, no key moved");
    }

    [Test]
    public async Task Execute_WhenNoMasterAnswersOnceEarlierActionsTookEffect_ReportsTheMoveNotStartedRatherThanThrowing()
    {
        var (connection, canned) = CannedNodesConnection.Create(new Dictionary<string, string>
        {
            ["127.0.0.1:30001"] = $"{A} 127.0.0.1:30001@31001 myself,master - 0 0 1 connected 0-8191\n{B} 127.0.0.1:30002@31002 master - 0 1426238316232 2 connected 8192-16383\n",
            ["127.0.0.1:30002"] = $"{A} 127.0.0.1:30001@31001 master - 0 1426238316232 1 connected 0-8191\n{B} 127.0.0.1:30002@31002 myself,master - 0 0 2 connected 8192-16383\n",
        });
        var routing = new RoutingTable(await RedisSlotRouting.BuildRoutingMapAsync(connection, maxSlotsPerPartition: 4096, CancellationToken.None));
        var onA = routing.Current.Routes.Where(r => r.Node.Value == "127.0.0.1:30001").ToList();
        var onB = routing.Current.Routes.First(r => r.Node.Value == "127.0.0.1:30002");
        using var executor = new RedisSlotMigrationExecutor(connection, routing, new RedisMigrationOptions { JournalPath = Path.Combine(Folder, "j.jsonl"), RetryDelay = TimeSpan.Zero });
        var merge = new MergeAction(onA[0].Partition, onA[1].Partition, new PartitionId("merged"), "test");
        var plan = MigrationTests.Plan(merge, new MoveAction(onB.Partition, onB.Node, onA[0].Node, 1, DateTimeOffset.UnixEpoch, TimeSpan.Zero, "test"));

        // Both masters stop answering once the merge is published, before the move reads the cluster.
        var progress = new SynchronousProgress(p =>
        {
            if (p.ActionsFinished == 1)
            {
                canned.Down.UnionWith(["127.0.0.1:30001", "127.0.0.1:30002"]);
            }
        });
        var summary = await executor.ExecuteAsync(plan, progress, CancellationToken.None);

        Assert.That(summary.Actions.Select(a => a.Status), Is.EqualTo(new[] { PlanActionStatus.Completed, PlanActionStatus.RolledBack }));
        Assert.That(summary.Actions[1].Error, Does.Contain("not started"));
        Assert.That(routing.Current.Contains(new PartitionId("merged")), Is.True, "the merge took effect and is reported so");
    }

    [TestCase("fail?", RecoveryPolicy.Resume)]
    [TestCase("fail", RecoveryPolicy.RollBack)]
    public async Task Recover_WhenAMasterOfTheOpenMoveIsFlaggedFailing_LeavesTheMoveUnfinishedWithoutTouchingIt(string flag, RecoveryPolicy policy)
    {
        // A crash left a move of slots 0-3 from A to C in the journal, slot 0 open on A; B now flags C failing while C still
        // answers.
        var (connection, canned) = CannedNodesConnection.Create(new Dictionary<string, string>
        {
            ["127.0.0.1:30002"] = $"{A} 127.0.0.1:30001@31001 master - 0 1426238316232 1 connected 0-8191\n{B} 127.0.0.1:30002@31002 myself,master - 0 0 2 connected 8192-16383\n{C} 127.0.0.1:30003@31003 master,{flag} - 1426238317239 1426238316232 3 connected\n",
            ["127.0.0.1:30001"] = $"{A} 127.0.0.1:30001@31001 myself,master - 0 0 1 connected 0-8191 [0->-{C}]\n{B} 127.0.0.1:30002@31002 master - 0 1426238316232 2 connected 8192-16383\n{C} 127.0.0.1:30003@31003 master - 0 1426238316232 3 connected\n",
            ["127.0.0.1:30003"] = $"{A} 127.0.0.1:30001@31001 master - 0 1426238316232 1 connected 0-8191\n{B} 127.0.0.1:30002@31002 master - 0 1426238316232 2 connected 8192-16383\n{C} 127.0.0.1:30003@31003 myself,master - 0 0 3 connected\n",
        });
        var journal = Path.Combine(Folder, "j.jsonl");
        new Redis.Migration.Journal.MigrationJournal(journal).Append(new Redis.Migration.Journal.JournalRecord(Redis.Migration.Journal.JournalRecord.Begin, "m1", "slots-0-3", "127.0.0.1:30001", "127.0.0.1:30003", 0, 4));
        var routing = new RoutingTable(RedisSlotRouting.FromOwners([.. Enumerable.Range(0, HashSlot.Count).Select(slot => new NodeId(slot < 8192 ? "127.0.0.1:30001" : "127.0.0.1:30002"))], maxSlotsPerPartition: 4));
        using var executor = new RedisSlotMigrationExecutor(connection, routing, new RedisMigrationOptions { JournalPath = journal, Recovery = policy, RetryDelay = TimeSpan.Zero });

        var report = await executor.RecoverAsync(CancellationToken.None);

        Assert.That(report.Unfinished.Single(), Does.Contain("'127.0.0.1:30003'").And.Contain($"'{flag}'"));
        Assert.That(canned.Sent.Where(c => c.Contains("SETSLOT", StringComparison.Ordinal) || c.Contains("MIGRATE", StringComparison.Ordinal) || c.Contains("GETKEYSINSLOT", StringComparison.Ordinal)), Is.Empty, "nothing was marked or moved");
    }

    [Test]
    public async Task Recover_AfterTheOptionsObjectIsChanged_KeepsTheValidatedSettings()
    {
        // Validated when the executor was created (3 attempts); set to 0 on the same object afterwards, unvalidated, it made
        // each command give up after its first failure.
        var (connection, canned) = CannedNodesConnection.Create(new Dictionary<string, string>
        {
            ["127.0.0.1:30001"] = $"{A} 127.0.0.1:30001@31001 myself,master - 0 0 1 connected 0-8191\n{B} 127.0.0.1:30002@31002 master - 0 1426238316232 2 connected 8192-16383\n",
            ["127.0.0.1:30002"] = $"{A} 127.0.0.1:30001@31001 master - 0 1426238316232 1 connected 0-8191\n{B} 127.0.0.1:30002@31002 myself,master - 0 0 2 connected 8192-16383\n",
        });
        var journal = Path.Combine(Folder, "j.jsonl");
        new Redis.Migration.Journal.MigrationJournal(journal).Append(new Redis.Migration.Journal.JournalRecord(Redis.Migration.Journal.JournalRecord.Begin, "m1", "slots-0-3", "127.0.0.1:30001", "127.0.0.1:30002", 0, 4));
        var routing = new RoutingTable(RedisSlotRouting.FromOwners([.. Enumerable.Range(0, HashSlot.Count).Select(slot => new NodeId(slot < 8192 ? "127.0.0.1:30001" : "127.0.0.1:30002"))], maxSlotsPerPartition: 4));
        var options = new RedisMigrationOptions { JournalPath = journal, Attempts = 3, RetryDelay = TimeSpan.Zero };
        using var executor = new RedisSlotMigrationExecutor(connection, routing, options);
        options.Attempts = 0;

        // The canned target refuses SETSLOT (as a connection failure): the resumed move's first mark fails each attempt.
        var report = await executor.RecoverAsync(CancellationToken.None);

        Assert.That(report.Unfinished.Single(), Does.Contain("failed 3 time(s)"));
        Assert.That(canned.Sent.Count(c => c.Contains("SETSLOT", StringComparison.Ordinal)), Is.EqualTo(3));
    }

    private sealed class SynchronousProgress(Action<PlanExecutionProgress> report) : IProgress<PlanExecutionProgress>
    {
        public void Report(PlanExecutionProgress value) => report(value);
    }
}
