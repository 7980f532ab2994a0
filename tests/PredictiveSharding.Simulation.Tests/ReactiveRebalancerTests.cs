using PredictiveSharding.Simulation.Cluster;
using PredictiveSharding.Simulation.Strategies.Reactive;

namespace PredictiveSharding.Simulation.Tests;

public class ReactiveRebalancerTests
{
    [Test]
    public void Find_OnEvenlyLoadedKeys_SplitsAtTheKeyThatBalancesLeftAndRight()
    {
        var loads = TestTraces.Minutes(Enumerable.Range(0, 8).Select(_ => TestTraces.Repeat(2, 3)).ToArray());
        var cluster = new ClusterModel(loads, new ClusterSetup(1, 100, 1, 1, 1, 0, 1, 0, 0));

        var cut = LoadSplitFinder.Find(loads, cluster.Partitions[0], 0, 3, new Random(7));

        Assert.That(cut, Is.EqualTo(4));
    }

    [Test]
    public void Find_WhenLoadIsSkewed_PicksTheBalancingKeyNotTheMiddleOne()
    {
        // Loads 1,1,1,1,1,1,3,3 (12 in all): cutting before key 6 gives 6 | 6; the middle key (4) would give 4 | 8.
        var loads = TestTraces.Minutes([1], [1], [1], [1], [1], [1], [3], [3]);
        var cluster = new ClusterModel(loads, new ClusterSetup(1, 100, 1, 1, 1, 0, 1, 0, 0));

        var cut = LoadSplitFinder.Find(loads, cluster.Partitions[0], 0, 1, new Random(7));

        Assert.That(cut, Is.EqualTo(6));
    }

    [Test]
    public void Find_WhenOneKeyCarriesMostOfTheLoad_FindsNoSplitKey()
    {
        var loads = TestTraces.Minutes([1], [100], [1], [1]);
        var cluster = new ClusterModel(loads, new ClusterSetup(1, 100, 1, 1, 1, 0, 1, 0, 0));

        var cut = LoadSplitFinder.Find(loads, cluster.Partitions[0], 0, 1, new Random(7));

        Assert.That(cut, Is.Null);
    }

    [Test]
    public async Task BeforeStep_WhenARangeStaysHot_SplitsAtTheBalancingKeyThenMovesHalfToTheCoolestNode()
    {
        // One partition of 8 keys × 2 requests = 16 per step on node 0 of 2; capacity 10; hot above 0.5 × 10 for 2 steps.
        var loads = TestTraces.Minutes(Enumerable.Range(0, 8).Select(_ => TestTraces.Repeat(2, 4)).ToArray());
        var cluster = new ClusterModel(loads, new ClusterSetup(2, 10, 1, 1, 100, 0, 4, 0, 0));
        var reactive = new ReactiveRebalancer(StrategyNames.Reactive, new ReactiveSettings(0.5, 2), seed: 1, TimeProvider.System);

        cluster.Advance();
        await reactive.BeforeStepAsync(cluster, CancellationToken.None);
        var afterOneHotStep = cluster.Partitions.Count;
        cluster.Advance();
        await reactive.BeforeStepAsync(cluster, CancellationToken.None);
        cluster.Advance();
        cluster.Advance();

        Assert.Multiple(() =>
        {
            Assert.That(afterOneHotStep, Is.EqualTo(1), "one hot step is not yet two consecutive");
            Assert.That(cluster.Partitions.Select(p => (p.Lo, p.Hi)), Is.EqualTo(new[] { (0, 4), (4, 8) }));
            Assert.That(cluster.Partitions.Select(p => p.Node).Order(), Is.EqualTo(new[] { 0, 1 }), "one half moved to the idle node");
            Assert.That(cluster.Metrics.Splits, Is.EqualTo(1));
            Assert.That(cluster.Metrics.Moves, Is.EqualTo(1));
            Assert.That(cluster.LastNodeLoad.ToArray(), Is.EqualTo(new[] { 8.0, 8.0 }));
        });
    }

    [Test]
    public async Task BeforeStep_WhenTheClusterIsBalanced_DoesNothing()
    {
        var loads = TestTraces.Minutes(Enumerable.Range(0, 4).Select(_ => TestTraces.Repeat(1, 3)).ToArray());
        var cluster = new ClusterModel(loads, new ClusterSetup(2, 10, 4, 1, 100, 0, 4, 0, 0));
        var reactive = new ReactiveRebalancer(StrategyNames.Reactive, new ReactiveSettings(0.25, 1), seed: 1, TimeProvider.System);

        cluster.Advance();
        await reactive.BeforeStepAsync(cluster, CancellationToken.None);

        Assert.That(cluster.Metrics.Splits + cluster.Metrics.Moves, Is.Zero);
    }

    [Test]
    public async Task BeforeStep_WhenTheHottestNodeHasNothingMovable_RelievesTheNextOverloadedNode()
    {
        // Six one-key partitions round-robin on three nodes of capacity 100: node 0 holds one key of 80 (moving it to the
        // coolest node would only move the peak) and one idle key; node 1 holds 35 + 35; node 2 holds 5 + 5. The mean is
        // 53.3, so nodes 0 and 1 are both more than 10% above it. The store rebalancer must not stop at node 0.
        var loads = TestTraces.Minutes(
            TestTraces.Repeat(80, 3), TestTraces.Repeat(35, 3), TestTraces.Repeat(5, 3),
            TestTraces.Repeat(0, 3), TestTraces.Repeat(35, 3), TestTraces.Repeat(5, 3));
        var cluster = new ClusterModel(loads, new ClusterSetup(3, 100, 6, 1, 100, 0, 4, 0, 0));
        var reactive = new ReactiveRebalancer(StrategyNames.Reactive, new ReactiveSettings(10, 1), seed: 1, TimeProvider.System);

        cluster.Advance();
        await reactive.BeforeStepAsync(cluster, CancellationToken.None);
        cluster.Advance();
        cluster.Advance();

        Assert.Multiple(() =>
        {
            Assert.That(cluster.Metrics.Splits, Is.Zero, "no partition is above a threshold of 10 × capacity");
            Assert.That(cluster.Metrics.Moves, Is.EqualTo(1), "one 35 moves from node 1 to node 2");
            Assert.That(cluster.LastNodeLoad.ToArray(), Is.EqualTo(new[] { 80.0, 35.0, 45.0 }));
        });
    }

    [Test]
    public void PublishedSetting_MapsTikvDetectTimesToWholeSteps()
    {
        Assert.Multiple(() =>
        {
            Assert.That(TraceSimulator.PublishedSetting(TimeSpan.FromMinutes(1)), Is.EqualTo(new ReactiveSettings(0.25, 1)));
            Assert.That(TraceSimulator.PublishedSetting(TimeSpan.FromSeconds(3)), Is.EqualTo(new ReactiveSettings(0.25, 4)));
        });
    }
}
