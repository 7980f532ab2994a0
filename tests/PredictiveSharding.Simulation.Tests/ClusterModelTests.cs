using PredictiveSharding.Simulation.Cluster;
using PredictiveSharding.Topology;

namespace PredictiveSharding.Simulation.Tests;

public class ClusterModelTests
{
    private static ClusterSetup Setup(double capacity, int partitions, int nodes = 2, long bytesPerKey = 10, double bandwidth = 1000, double overhead = 0, int warmup = 0, int cooldown = 0) =>
        new(nodes, capacity, partitions, bytesPerKey, bandwidth, overhead, MaxConcurrentMoves: 4, CooldownSteps: cooldown, WarmupSteps: warmup);

    [Test]
    public void Setup_WhenNoCapacityIsGiven_SizesEachNodeAtPeakTotalOverNodesTimesHeadroom()
    {
        // Totals per step: 30, 100, 60 → peak 100; 4 nodes at headroom 0.5 → 100 / 2 = 50.
        var loads = TestTraces.Minutes([10, 60, 30], [20, 40, 30]);
        var simulator = new TraceSimulator(new SimulationOptions { Nodes = 4, Headroom = 0.5, Partitions = 2 });

        var setup = simulator.Setup(loads);

        Assert.That(setup.NodeCapacity, Is.EqualTo(50).Within(1e-9));
    }

    [Test]
    public void Setup_WhenCapacityIsGiven_UsesItAndDefaultsPartitionsToFourPerNodeCappedAtKeys()
    {
        var loads = TestTraces.Minutes(TestTraces.Repeat(1, 3), TestTraces.Repeat(1, 3), TestTraces.Repeat(1, 3));
        var simulator = new TraceSimulator(new SimulationOptions { Nodes = 2, NodeCapacity = 7 });

        var setup = simulator.Setup(loads);

        Assert.Multiple(() =>
        {
            Assert.That(setup.NodeCapacity, Is.EqualTo(7));
            Assert.That(setup.InitialPartitions, Is.EqualTo(3), "4 × 2 nodes = 8, but there are only 3 keys");
            Assert.That(setup.MoveBandwidthBytesPerStep, Is.EqualTo(3.0 * (1 << 20) / 3), "default bandwidth: one mean initial partition per step");
        });
    }

    [Test]
    public void Constructor_PlacesEqualKeyCountRangesRoundRobin()
    {
        var loads = TestTraces.Minutes(Enumerable.Range(0, 8).Select(_ => TestTraces.Repeat(1, 2)).ToArray());

        var cluster = new ClusterModel(loads, Setup(capacity: 10, partitions: 4));

        Assert.Multiple(() =>
        {
            Assert.That(cluster.Partitions.Select(p => (p.Lo, p.Hi)), Is.EqualTo(new[] { (0, 2), (2, 4), (4, 6), (6, 8) }));
            Assert.That(cluster.Partitions.Select(p => p.Node), Is.EqualTo(new[] { 0, 1, 0, 1 }));
        });
    }

    [Test]
    public void Advance_OnAHandMadeTrace_CountsOverloadedNodeStepsAndTheirRequests()
    {
        // Two keys, one partition each, on nodes 0 and 1; capacity 10.
        // Step 0: 12 | 5 → node 0 over.  Step 1: 10 | 11 → node 1 over (exactly at capacity is not over).  Step 2: 15 | 20 → both over.
        var loads = TestTraces.Minutes([12, 10, 15], [5, 11, 20]);
        var cluster = new ClusterModel(loads, Setup(capacity: 10, partitions: 2));

        while (!cluster.Finished)
        {
            cluster.Advance();
        }

        var metrics = cluster.Metrics;
        Assert.Multiple(() =>
        {
            Assert.That(metrics.OverloadedNodeSteps, Is.EqualTo(4));
            Assert.That(metrics.Requests, Is.EqualTo(73));
            Assert.That(metrics.RequestsOnOverloadedNodes, Is.EqualTo(12 + 11 + 15 + 20));
            Assert.That(metrics.UtilizationAt(2, 1), Is.EqualTo(2.0).Within(1e-6));
        });
    }

    [Test]
    public void UtilizationPercentile_BeyondTheRangeOfADecimal_IsReportedAsItIs()
    {
        // A capacity far below the loads (psharding simulate --node-capacity 1e-30) puts utilisations past decimal's
        // 7.9e28, where the rounding through decimal threw OverflowException.
        var loads = TestTraces.Minutes([50, 40], [10, 20]);
        var cluster = new ClusterModel(loads, Setup(capacity: 1e-30, partitions: 2, warmup: 0));

        while (!cluster.Finished)
        {
            cluster.Advance();
        }

        var highest = double.MinValue;
        foreach (var utilization in cluster.Metrics.Utilization)
        {
            highest = Math.Max(highest, utilization);
        }

        Assert.That(highest, Is.GreaterThanOrEqualTo(3e31), "the busier node carries at least half of 60 requests a step");
        Assert.That(cluster.Metrics.UtilizationPercentile(100), Is.EqualTo(highest));
    }

    [Test]
    public void Advance_ANodeJustOverItsCapacity_IsOverloadedInItsUtilisationToo()
    {
        // One key of 100,000,001 requests on a node of 100,000,000: overloaded by 1e-8, below a float's precision near 1,
        // so the utilisation kept for --plot and --utilization-csv read exactly 1 (not overloaded) for a node-step the
        // overloaded node-minutes count, and the CSV's measured rows above 1 no longer summed to the reported minutes.
        var loads = TestTraces.Minutes([100_000_001]);
        var cluster = new ClusterModel(loads, Setup(capacity: 100_000_000, partitions: 1, nodes: 1));

        cluster.Advance();

        Assert.Multiple(() =>
        {
            Assert.That(cluster.Metrics.OverloadedNodeSteps, Is.EqualTo(1));
            Assert.That(cluster.Metrics.UtilizationAt(0, 0), Is.GreaterThan(1.0), "the node-step counted overloaded reads above 1");
            Assert.That(cluster.Metrics.UtilizationAt(0, 0), Is.EqualTo(1.00000001).Within(1e-6));
            Assert.That(cluster.Metrics.UtilizationPercentile(99), Is.GreaterThan(1.0), "nor is the p99 of an overloaded node-step tidied down to 1");
        });
    }

    [Test]
    public void Advance_ANodeAtItsCapacity_IsNotOverloadedInItsUtilisation()
    {
        var loads = TestTraces.Minutes([100_000_000]);
        var cluster = new ClusterModel(loads, Setup(capacity: 100_000_000, partitions: 1, nodes: 1));

        cluster.Advance();

        Assert.Multiple(() =>
        {
            Assert.That(cluster.Metrics.OverloadedNodeSteps, Is.Zero);
            Assert.That(cluster.Metrics.UtilizationAt(0, 0), Is.EqualTo(1.0), "exactly at capacity is not over it");
        });
    }

    [Test]
    public void Advance_DuringWarmup_IsNotCounted()
    {
        var loads = TestTraces.Minutes([50, 50, 50, 5], [1, 1, 1, 1]);
        var cluster = new ClusterModel(loads, Setup(capacity: 10, partitions: 2, warmup: 2));

        while (!cluster.Finished)
        {
            cluster.Advance();
        }

        Assert.Multiple(() =>
        {
            Assert.That(cluster.Metrics.OverloadedNodeSteps, Is.EqualTo(1), "only step 2 of the overloaded steps 0-2 is after the warm-up");
            Assert.That(cluster.Metrics.Requests, Is.EqualTo(50 + 1 + 5 + 1));
            Assert.That(cluster.Metrics.UtilizationPercentile(100), Is.EqualTo(5.0).Within(1e-6));
        });
    }

    [Test]
    public void TryStartMove_TakesBytesOverBandwidthStepsAndLoadsBothEndsUntilOwnershipSwitches()
    {
        // Partition 0 = keys 0-1 (20 bytes at 10 bytes/key) on node 0, load 8 per step; partition 1 = keys 2-3 on node 1,
        // load 2. Bandwidth 8 bytes/step → the move takes ⌈20/8⌉ = 3 steps; overhead 0.5 → +4 on both ends while it copies:
        // the whole of steps 1 and 2 (8 bytes each) and half of step 3 (the last 4 bytes), so +2 there.
        var loads = TestTraces.Minutes(TestTraces.Repeat(4, 5), TestTraces.Repeat(4, 5), TestTraces.Repeat(1, 5), TestTraces.Repeat(1, 5));
        var cluster = new ClusterModel(loads, Setup(capacity: 100, partitions: 2, bandwidth: 8, overhead: 0.5));
        cluster.Advance();
        var moving = cluster.Partitions[0];

        var started = cluster.TryStartMove(moving, 1);
        var node0 = new List<double>();
        var node1 = new List<double>();
        var owners = new List<int>();
        for (var s = 1; s < 5; s++)
        {
            cluster.Advance();
            node0.Add(cluster.LastNodeLoad[0]);
            node1.Add(cluster.LastNodeLoad[1]);
            owners.Add(moving.Node);
        }

        Assert.Multiple(() =>
        {
            Assert.That(started, Is.True);
            Assert.That(cluster.MoveSteps(20), Is.EqualTo(3));
            Assert.That(node0, Is.EqualTo(new[] { 12.0, 12, 10, 0 }), "source serves 8 plus 4 overhead for two steps and 2 for the half step the copy runs, then nothing");
            Assert.That(node1, Is.EqualTo(new[] { 6.0, 6, 4, 10 }), "target serves 2 plus the same overhead, then 2 + 8");
            Assert.That(owners, Is.EqualTo(new[] { 0, 0, 1, 1 }), "after its third copy step the partition belongs to the target, which serves the fourth step");
            Assert.That(cluster.Metrics.Moves, Is.EqualTo(1));
            Assert.That(cluster.Metrics.BytesMoved, Is.EqualTo(20));
        });
    }

    [Test]
    public void Advance_WhileASmallPieceCopies_ChargesOverheadOnlyForTheShareOfTheStepItRuns()
    {
        // Partition 0 = keys 0-1 (20 bytes) on node 0, load 8; bandwidth 200 bytes/step → the copy runs a tenth of its one
        // step, so the overhead 0.5 × 8 = 4 is charged at a tenth, 0.4, on both ends (it was charged whole).
        var loads = TestTraces.Minutes(TestTraces.Repeat(4, 3), TestTraces.Repeat(4, 3), TestTraces.Repeat(1, 3), TestTraces.Repeat(1, 3));
        var cluster = new ClusterModel(loads, Setup(capacity: 100, partitions: 2, bandwidth: 200, overhead: 0.5));
        cluster.Advance();
        Assert.That(cluster.TryStartMove(cluster.Partitions[0], 1), Is.True);

        cluster.Advance();

        Assert.That(cluster.LastNodeLoad.ToArray(), Is.EqualTo(new[] { 8.4, 2.4 }).Within(1e-9));
    }

    [Test]
    public void Advance_WhenAMovesCopyLoadPutsANodeOver_CountsItAsOverloadedByMoves()
    {
        // Capacity 10. Partition 0 (keys 0-1) on node 0 serves 8 per step, partition 1 (keys 2-3) on node 1 serves 2, and
        // at step 3 both keys of partition 0 jump to 6 (12 in all). The move of partition 0 takes 3 steps at overhead 0.5:
        // steps 1-2 node 0 carries 8 + 4 = 12 > 10 with its requests (8) within capacity, so its copy put it over; step 3
        // (the copy's last 4 bytes, half the step) node 0 carries 12 + 6 × 0.5 = 15 with 12 requests, over by its requests
        // alone; node 1 (2 + 4, then 2 + 3) never is over; step 4 the partition serves its 12 from node 1, over by its requests.
        var loads = TestTraces.Minutes([4, 4, 4, 6, 6], [4, 4, 4, 6, 6], [1, 1, 1, 1, 1], [1, 1, 1, 1, 1]);
        var cluster = new ClusterModel(loads, Setup(capacity: 10, partitions: 2, bandwidth: 8, overhead: 0.5));
        cluster.Advance();
        Assert.That(cluster.TryStartMove(cluster.Partitions[0], 1), Is.True);

        while (!cluster.Finished)
        {
            cluster.Advance();
        }

        Assert.Multiple(() =>
        {
            Assert.That(cluster.Metrics.OverloadedNodeSteps, Is.EqualTo(4), "node 0 at steps 1, 2 and 3; node 1 at step 4");
            Assert.That(cluster.Metrics.MoveOverloadedNodeSteps, Is.EqualTo(2), "only steps 1 and 2 of node 0 are over because of the copy");
            Assert.That(cluster.Metrics.UtilizationAt(3, 0), Is.EqualTo(1.5).Within(1e-6));
        });
    }

    [Test]
    public void Advance_DuringWarmup_DoesNotCountOverloadByMoves()
    {
        // The same copy as above, but every step before step 3 is warm-up: the copy's two overloaded steps are not counted.
        var loads = TestTraces.Minutes([4, 4, 4, 1], [4, 4, 4, 1], [1, 1, 1, 1], [1, 1, 1, 1]);
        var cluster = new ClusterModel(loads, Setup(capacity: 10, partitions: 2, bandwidth: 8, overhead: 0.5, warmup: 3));
        cluster.Advance();
        Assert.That(cluster.TryStartMove(cluster.Partitions[0], 1), Is.True);

        while (!cluster.Finished)
        {
            cluster.Advance();
        }

        Assert.That(cluster.Metrics.MoveOverloadedNodeSteps, Is.Zero);
    }

    [Test]
    public void TryStartMove_WhenAllSlotsAreBusy_RefusesWithoutChangingAnything()
    {
        var loads = TestTraces.Minutes(Enumerable.Range(0, 6).Select(_ => TestTraces.Repeat(1, 3)).ToArray());
        var setup = Setup(capacity: 100, partitions: 6, nodes: 2, bandwidth: 1) with { MaxConcurrentMoves = 1 };
        var cluster = new ClusterModel(loads, setup);

        var first = cluster.TryStartMove(cluster.Partitions[0], 1);
        var second = cluster.TryStartMove(cluster.Partitions[2], 1);

        Assert.Multiple(() =>
        {
            Assert.That(first, Is.True);
            Assert.That(second, Is.False);
            Assert.That(cluster.Partitions[2].Moving, Is.False);
            Assert.That(cluster.Metrics.Moves, Is.EqualTo(1));
        });
    }

    [Test]
    public void Advance_WhenAMovesLastCopyStepIsReplayed_FreesItsSlotForTheNextDecision()
    {
        // One slot; bandwidth 10 bytes/step and 10 bytes per key: each one-key partition moves in one step. The move started
        // before step 0 copies during step 0; before step 1 is replayed the slot must be free again, so that one slot
        // carries one one-step move per step (not one every other step).
        var loads = TestTraces.Minutes(TestTraces.Repeat(3, 4), TestTraces.Repeat(1, 4), TestTraces.Repeat(2, 4), TestTraces.Repeat(1, 4));
        var setup = Setup(capacity: 100, partitions: 4, nodes: 2, bandwidth: 10, overhead: 0.5) with { MaxConcurrentMoves = 1 };
        var cluster = new ClusterModel(loads, setup);
        var first = cluster.Partitions[0];
        var second = cluster.Partitions[2];

        var startedFirst = cluster.TryStartMove(first, 1);
        var blocked = cluster.TryStartMove(second, 1);
        cluster.Advance();
        var loadDuringCopy = cluster.LastNodeLoad.ToArray();
        var slotAfterCopy = cluster.HasMoveSlot;
        var startedSecond = cluster.TryStartMove(second, 1);
        cluster.Advance();
        var loadAfter = cluster.LastNodeLoad.ToArray();

        Assert.Multiple(() =>
        {
            Assert.That(startedFirst, Is.True);
            Assert.That(blocked, Is.False, "the only slot is busy while the first move copies");
            Assert.That(loadDuringCopy, Is.EqualTo(new[] { 3 + 2 + 1.5, 1 + 1 + 1.5 }), "during its copy step the source still serves the partition and both ends carry half its load as overhead");
            Assert.That(slotAfterCopy, Is.True, "the copy finished with the step just replayed");
            Assert.That(first.Node, Is.EqualTo(1));
            Assert.That(first.Moving, Is.False);
            Assert.That(first.ChangedAtStep, Is.EqualTo(1), "the move counts as a change at the step its partition is first served from the target");
            Assert.That(startedSecond, Is.True);
            Assert.That(loadAfter, Is.EqualTo(new[] { 2 + 1.0, 1 + 1 + 3 + 1.0 }), "step 1: the first partition served by node 1, the second copying");
            Assert.That(cluster.Metrics.Moves, Is.EqualTo(2));
        });
    }

    [Test]
    public void Split_GivesChildrenTheirKeysPastLoadAndKeepsThemOnTheNode()
    {
        var loads = TestTraces.Minutes([1, 2], [3, 4], [5, 6], [7, 8]);
        var cluster = new ClusterModel(loads, Setup(capacity: 100, partitions: 1));
        cluster.Advance();

        var children = cluster.Split(cluster.Partitions[0], [1, 3], [new PartitionId("a"), new PartitionId("b"), new PartitionId("c")]);
        cluster.Advance();

        Assert.Multiple(() =>
        {
            Assert.That(children.Select(c => (c.Lo, c.Hi)), Is.EqualTo(new[] { (0, 1), (1, 3), (3, 4) }));
            Assert.That(children.Select(c => c.History.ToArray()), Is.EqualTo(new[] { new double[] { 1, 2 }, new double[] { 8, 10 }, new double[] { 7, 8 } }));
            Assert.That(children.Select(c => c.Node), Is.All.EqualTo(0));
            Assert.That(cluster.Metrics.Splits, Is.EqualTo(1));
        });
    }

    [Test]
    public void Split_WhenACutIsNotInsideThePartition_ThrowsAndLeavesItWhole()
    {
        var loads = TestTraces.Minutes([1], [1], [1]);
        var cluster = new ClusterModel(loads, Setup(capacity: 100, partitions: 1));

        Assert.That(() => cluster.Split(cluster.Partitions[0], [0], [new PartitionId("a"), new PartitionId("b")]), Throws.ArgumentException.With.Message.Contains("index 0"));
        Assert.That(cluster.Partitions, Has.Count.EqualTo(1));
    }

    [Test]
    public void TryStartMove_WithABandwidthTooSmallToFinishWithinTheTrace_KeepsMovingInsteadOfFinishingAtOnce()
    {
        // 10 bytes at 1e-9 bytes per step is 1e10 steps, past int.MaxValue: the move must last to the end of the trace.
        var loads = TestTraces.Minutes([1, 1, 1, 1], [1, 1, 1, 1]);
        var cluster = new ClusterModel(loads, Setup(capacity: 10, partitions: 2, bandwidth: 1e-9));
        cluster.Advance();
        var partition = cluster.Partitions[0];

        Assert.That(cluster.TryStartMove(partition, 1), Is.True);
        cluster.Advance();
        cluster.Advance();

        Assert.Multiple(() =>
        {
            Assert.That(partition.Moving, Is.True);
            Assert.That(partition.Node, Is.Zero);
            Assert.That(cluster.RunningMoves, Has.Count.EqualTo(1));
        });
    }
}
