using PredictiveSharding.Execution.FaultInjection;
using PredictiveSharding.Execution.Journal;
using PredictiveSharding.Planning;
using PredictiveSharding.Routing;
using PredictiveSharding.Topology;
using static PredictiveSharding.Execution.Tests.TestCluster;

namespace PredictiveSharding.Execution.Tests.Moves;

/// <summary>
/// Seeded random plans (splits, then moves of the new shards and old partitions), with host writes between every two
/// calls, and the executor killed up to three times at random calls, including while it is recovering from the previous
/// kill. After a final clean recovery every acknowledged write must be on its routed owner and nowhere else.
/// </summary>
public sealed class RandomCrashScenarioTests
{
    private static readonly NodeId[] Nodes = [N1, N2, N3];

    [Test]
    public async Task RecoverAsync_AfterRepeatedCrashesIncludingDuringRecovery_LeavesEveryWriteOnItsOwner([Range(1, 40)] int seed)
    {
        var random = new Random(seed);
        var cluster = Create();
        var plan = RandomPlan(random, cluster.Routing.Current);
        var journal = new InMemoryMoveJournal("c");
        var writes = new InterleavingWritesMover(cluster, seed, 300);
        var crashes = random.Next(1, 4);
        var first = true;
        for (var i = 0; i < crashes; i++)
        {
            var crash = new CrashSwitch(random.Next(1, 90));
            await using var dying = cluster.Executor(new CrashingMoveJournal(journal, crash), mover: new CrashingDataMover(writes, crash));
            try
            {
                if (first)
                {
                    first = false;
                    await dying.ExecuteAsync(plan);
                }
                else
                {
                    await dying.RecoverAsync();
                }
            }
            catch (SimulatedCrashException)
            {
                Assert.That(crash.HasCrashed, Is.True);
            }
        }

        await using var survivor = cluster.Executor(journal, mover: writes);
        var recovery = await survivor.RecoverAsync();
        await writes.DrainAsync();

        Assert.That(recovery.Actions.Select(a => a.Outcome), Has.All.AnyOf(ActionOutcome.Completed, ActionOutcome.RolledBack), $"seed {seed}");
        Assert.That(journal.Records, Is.Empty, $"seed {seed}: nothing left unfinished");
        cluster.AssertConsistent();
    }

    [Test]
    public async Task RecoverAsync_AfterACrashWhileWriterThreadsRun_LeavesEveryWriteOnItsOwner([Range(1, 8)] int seed)
    {
        var random = new Random(seed);
        var cluster = Create();
        cluster.Reseed(0, 300, i => "seed-" + i + new string('.', 200));
        var plan = RandomPlan(random, cluster.Routing.Current);
        var journal = new InMemoryMoveJournal("c");
        using var stop = new CancellationTokenSource();
        var writers = Enumerable.Range(0, 2).Select(w => Task.Run(async () =>
        {
            var own = new Random(seed * 10 + w);
            var i = 0;
            while (!stop.IsCancellationRequested)
            {
                // Writer w owns keys congruent to w mod 2, so each key's last acknowledged value is well defined.
                await cluster.WriteAsync(Key((own.Next(150) * 2) + w), $"t{w}-{i++}");
                await Task.Yield();
            }
        })).ToArray();

        await WaitForWritesAsync(cluster, 50);
        var crash = new CrashSwitch(random.Next(5, 60));
        var mover = new YieldingMover(cluster.Store);
        await using (var dying = cluster.Executor(new CrashingMoveJournal(journal, crash), mover: new CrashingDataMover(mover, crash)))
        {
            try
            {
                await dying.ExecuteAsync(plan);
            }
            catch (SimulatedCrashException)
            {
                Assert.That(crash.HasCrashed, Is.True);
            }
        }

        await using (var survivor = cluster.Executor(journal, mover: mover))
        {
            await survivor.RecoverAsync();
        }

        await WaitForWritesAsync(cluster, cluster.AcknowledgedWrites + 50);
        await stop.CancelAsync();
        await Task.WhenAll(writers);
        Assert.That(journal.Records, Is.Empty);
        cluster.AssertConsistent();
    }

    private static async Task WaitForWritesAsync(TestCluster cluster, int count)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (cluster.AcknowledgedWrites < count)
        {
            await Task.Delay(1, timeout.Token);
        }
    }

    private static ShardingPlan RandomPlan(Random random, RoutingMap map)
    {
        var actions = new List<ShardingAction>();
        var scratch = map;
        var splits = random.Next(0, 3);
        for (var s = 0; s < splits; s++)
        {
            var route = scratch.Routes[random.Next(scratch.Count)];
            var candidates = Enumerable.Range(1, 298).Select(Key).Where(route.Range.CanSplitAt).ToList();
            if (candidates.Count == 0)
            {
                continue;
            }

            var split = new SplitAction(route.Partition, [candidates[random.Next(candidates.Count)]], [new PartitionId($"s{s}a"), new PartitionId($"s{s}b")], "random split");
            scratch = scratch.Apply(new SplitChange(split.Partition, split.SplitKeys, split.NewPartitions));
            actions.Add(split);
        }

        var movable = scratch.Routes.OrderBy(_ => random.Next()).Take(random.Next(1, 4)).ToList();
        foreach (var route in movable)
        {
            var targets = Nodes.Where(n => n != route.Node).ToArray();
            actions.Add(Move(route.Partition.Value, route.Node, targets[random.Next(targets.Length)]));
        }

        return Plan([.. actions]);
    }
}
