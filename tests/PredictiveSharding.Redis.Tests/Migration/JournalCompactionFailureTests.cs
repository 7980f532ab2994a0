using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using PredictiveSharding.Planning;
using PredictiveSharding.Redis.Migration;
using PredictiveSharding.Redis.Migration.Journal;
using PredictiveSharding.Redis.Slots;
using PredictiveSharding.Redis.Tests.Infrastructure;
using PredictiveSharding.Routing;
using PredictiveSharding.Topology;

namespace PredictiveSharding.Redis.Tests.Migration;

/// <summary>
/// The executor when emptying its journal after a plan or a recovery fails: housekeeping, which must not turn work that
/// was done into a failure (as the Execution package's executor treats its own journal's compaction).
/// </summary>
public sealed class JournalCompactionFailureTests : CannedClusterTests
{
    [Test]
    public async Task Execute_WhenCompactingTheJournalFails_ReportsTheCompletedActionAndCompactsAtTheNextRun()
    {
        var connection = TwoMasters();
        var routing = new RoutingTable(await RedisSlotRouting.BuildRoutingMapAsync(connection, maxSlotsPerPartition: 4096, CancellationToken.None));
        var journal = Path.Combine(Folder, "j.jsonl");
        WriteFinishedMove(journal);
        var logger = new FakeLogger<RedisSlotMigrationExecutor>();
        using var executor = new RedisSlotMigrationExecutor(connection, routing, new RedisMigrationOptions { JournalPath = journal }, logger: logger);
        var failures = 0;
        executor.JournalCompactionHook = () =>
        {
            if (failures++ == 0)
            {
                throw new IOException("No space left on device (canned by the test)");
            }
        };

        var summary = await executor.ExecuteAsync(MigrationTests.Plan(Split("slots-0-4095", 2048, "left", "right")), CancellationToken.None);

        Assert.That(summary.Completed, Is.EqualTo(1), string.Join("; ", summary.Errors));
        Assert.That(summary.Errors, Is.Empty);
        Assert.That(routing.Current.Contains(new PartitionId("left")), Is.True, "the split is in force");
        Assert.That(logger.Collector.GetSnapshot().Where(r => r.Level == LogLevel.Warning).Select(r => r.Exception?.Message), Has.One.Contains("No space left"));
        Assert.That(new FileInfo(journal).Length, Is.GreaterThan(0), "the journal keeps its records");

        var next = await executor.ExecuteAsync(MigrationTests.Plan(Split("left", 1024, "left-a", "left-b")), CancellationToken.None);

        Assert.That(next.Completed, Is.EqualTo(1), string.Join("; ", next.Errors));
        Assert.That(new FileInfo(journal).Length, Is.Zero, "the compaction owed was done at the next plan's end");
    }

    [Test]
    public async Task Recover_WhenCompactingTheJournalFails_ReportsTheRecoveredMoveAndCompactsAtTheNextRecovery()
    {
        // A crash left a move of slots 0-3 from A to B begun, before any slot was marked; the policy rolls it back, which
        // needs no command (every slot is still A's and none is open).
        var connection = TwoMasters();
        var routing = new RoutingTable(RedisSlotRouting.FromOwners([.. Enumerable.Range(0, HashSlot.Count).Select(slot => new NodeId(slot < 8192 ? "127.0.0.1:30001" : "127.0.0.1:30002"))], maxSlotsPerPartition: 4));
        var journal = Path.Combine(Folder, "j.jsonl");
        new MigrationJournal(journal).Append(new JournalRecord(JournalRecord.Begin, "m1", "slots-0-3", "127.0.0.1:30001", "127.0.0.1:30002", 0, 4));
        using var executor = new RedisSlotMigrationExecutor(connection, routing, new RedisMigrationOptions { JournalPath = journal, Recovery = RecoveryPolicy.RollBack });
        var failures = 0;
        executor.JournalCompactionHook = () =>
        {
            if (failures++ == 0)
            {
                throw new UnauthorizedAccessException("Access to the path is denied (canned by the test)");
            }
        };

        var report = await executor.RecoverAsync(CancellationToken.None);

        Assert.That(report.RolledBack, Is.EqualTo(new[] { "slots-0-3" }), string.Join("; ", report.Unfinished));
        Assert.That(report.IsClean, Is.True);
        Assert.That(new FileInfo(journal).Length, Is.GreaterThan(0), "the journal keeps its records");

        // Nothing is open any more, so only the compaction owed makes this recovery touch the journal.
        var again = await executor.RecoverAsync(CancellationToken.None);

        Assert.That(again.IsClean, Is.True);
        Assert.That(new FileInfo(journal).Length, Is.Zero, "the compaction owed was done by the next recovery");
    }

    private static StackExchange.Redis.IConnectionMultiplexer TwoMasters() => CannedNodesConnection.Create(new Dictionary<string, string>
    {
        ["127.0.0.1:30001"] = $"{A} 127.0.0.1:30001@31001 myself,master - 0 0 1 connected 0-8191\n{B} 127.0.0.1:30002@31002 master - 0 1426238316232 2 connected 8192-16383\n",
        ["127.0.0.1:30002"] = $"{A} 127.0.0.1:30001@31001 master - 0 1426238316232 1 connected 0-8191\n{B} 127.0.0.1:30002@31002 myself,master - 0 0 2 connected 8192-16383\n",
    }).Connection;

    private static void WriteFinishedMove(string journal)
    {
        var file = new MigrationJournal(journal);
        file.Append(new JournalRecord(JournalRecord.Begin, "old", "slots-0-3", "127.0.0.1:30002", "127.0.0.1:30001", 0, 4));
        file.Append(new JournalRecord(JournalRecord.End, "old", Note: "completed"));
    }

    private static SplitAction Split(string partition, int slot, string left, string right) =>
        new(new PartitionId(partition), [HashSlot.ToKey(slot)], [new PartitionId(left), new PartitionId(right)], "test");
}
