using PredictiveSharding.Redis.Migration;
using PredictiveSharding.Redis.Migration.Journal;
using PredictiveSharding.Redis.Slots;
using PredictiveSharding.Redis.Tests.Infrastructure;
using PredictiveSharding.Routing;
using PredictiveSharding.Topology;

namespace PredictiveSharding.Redis.Tests.Migration;

/// <summary>Two executors given the same journal file (two instances of a service, a recovery tool beside the service).</summary>
public sealed class SharedJournalTests : CannedClusterTests
{
    [Test]
    public async Task Recover_WhileAnotherExecutorRunsOnTheSameJournal_ThrowsNamingTheJournalAndTouchesNothing()
    {
        // The first executor is recovering the open move (held up by master C, which hangs); the second, reading the same
        // journal, would take that move for one a crash left and finish or undo it at the same time as the first.
        var c = $"{C} 127.0.0.1:30003@31003 master - 0 1426238316232 3 connected\n";
        var (connection, canned) = CannedNodesConnection.Create(new Dictionary<string, string>
        {
            ["127.0.0.1:30001"] = $"{A} 127.0.0.1:30001@31001 myself,master - 0 0 1 connected 0-8191 [0->-{B}]\n{B} 127.0.0.1:30002@31002 master - 0 1426238316232 2 connected 8192-16383\n" + c,
            ["127.0.0.1:30002"] = $"{A} 127.0.0.1:30001@31001 master - 0 1426238316232 1 connected 0-8191\n{B} 127.0.0.1:30002@31002 myself,master - 0 0 2 connected 8192-16383\n" + c,
        });
        canned.Hung.Add("127.0.0.1:30003");
        var journal = Path.Combine(Folder, "j.jsonl");
        new MigrationJournal(journal).Append(new JournalRecord(JournalRecord.Begin, "m1", "slots-0-3", "127.0.0.1:30001", "127.0.0.1:30002", 0, 4));
        var routing = new RoutingTable(RedisSlotRouting.FromOwners([.. Enumerable.Range(0, HashSlot.Count).Select(slot => new NodeId(slot < 8192 ? "127.0.0.1:30001" : "127.0.0.1:30002"))], maxSlotsPerPartition: 4));
        var options = new RedisMigrationOptions { JournalPath = journal, RetryDelay = TimeSpan.Zero };
        using var first = new RedisSlotMigrationExecutor(connection, routing, options);
        using var second = new RedisSlotMigrationExecutor(connection, routing, options);
        using var stopFirst = new CancellationTokenSource();

        // Bounded only so that a regression fails instead of hanging the run (the second then hangs on C as well).
        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var running = first.RecoverAsync(stopFirst.Token);
        while (!canned.Sent.ToArray().Any(s => s.StartsWith("127.0.0.1:30003 ", StringComparison.Ordinal)))
        {
            await Task.Delay(10, guard.Token);
        }

        var sentBefore = canned.Sent.Count;
        Assert.That(
            async () => await second.RecoverAsync(guard.Token),
            Throws.InvalidOperationException.With.Message.Contains(journal).And.Message.Contains("another"));
        Assert.That(canned.Sent, Has.Count.EqualTo(sentBefore), "the second executor sent nothing");

        await stopFirst.CancelAsync();
        Assert.That(async () => await running, Throws.InstanceOf<OperationCanceledException>());

        // The first let the journal go when it stopped; the second may run now.
        canned.Hung.Clear();
        Assert.That(async () => await second.RecoverAsync(guard.Token), Throws.Nothing);
    }
}
