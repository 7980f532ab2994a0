using System.Diagnostics.Metrics;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;
using PredictiveSharding.Forecasting;
using PredictiveSharding.Topology;
using static PredictiveSharding.Planning.Tests.Instances;
using PredictiveSharding.TestKit;

namespace PredictiveSharding.Planning.Tests;

public sealed class GeneticShardPlannerTests
{
    private static GeneticShardPlanner Planner(GeneticPlannerOptions? options = null) => new(options ?? Options(), new FakeTimeProvider());

    [Test]
    public void Plan_WhenClientsAreElsewhere_MovesTheShardTowardsThem()
    {
        // n0 (eu) must shed one of two equal partitions; n1 is in us. p00's clients are in us, p01's in eu.
        var specs = new[]
        {
            new Spec(0, 450) { RegionMix = new Dictionary<string, double> { ["us"] = 1 } },
            new Spec(0, 450) { RegionMix = new Dictionary<string, double> { ["eu"] = 1 } },
            new Spec(1, 50),
        };
        var request = Request([NodeOf(0, 1000, "eu"), NodeOf(1, 1000, "us")], specs, Constraints() with { LocalityWeight = 0.05 });

        var plan = Planner().Plan(request, CancellationToken.None);

        var move = plan.Actions.OfType<MoveAction>().Single();
        Assert.That(move.Shard, Is.EqualTo(Partition(0)));
        Assert.That(move.To, Is.EqualTo(Node(1)));
    }

    [Test]
    public void Plan_WithAPeakFloorOfOne_MovesOnlyWhatEndsTheBreach_WhereWithoutItBalancesTheCluster()
    {
        // n0 carries 900 of its 800 allowance; n1 and n2 carry 100 each. Moving one 150 ends the breach; balancing the
        // cluster's 1100 over three nodes takes more moves.
        var nodes = new[] { NodeOf(0, 1000), NodeOf(1, 1000), NodeOf(2, 1000) };
        var specs = new[] { new Spec(0, 400), new Spec(0, 200), new Spec(0, 150), new Spec(0, 150), new Spec(1, 100), new Spec(2, 100) };
        var floor = Options();
        floor.PeakFloor = 1;
        var balanced = Planner().Plan(Request(nodes, specs), CancellationToken.None);
        var floored = Planner(floor).Plan(Request(nodes, specs), CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(floored.After.MaxUtilization, Is.LessThanOrEqualTo(0.8 + 1e-9), "the breach is gone");
            Assert.That(floored.Actions.OfType<MoveAction>().Count(), Is.EqualTo(1));
            Assert.That(balanced.Actions.OfType<MoveAction>().Count(), Is.GreaterThan(1));
            Assert.That(floored.MovedBytes, Is.LessThan(balanced.MovedBytes));
        });
    }

    [Test]
    public void Plan_WhenAShardIsHotterThanEveryNode_StillEndsTheBreachesItCanEnd()
    {
        // p00 (3000 requests, no sampled keys, so it cannot be split) is over every node's 800 allowance wherever it goes.
        // n1 carries 850 of 800 in two shards: a breach that moving either to n2 ends. Counted in full, p00 alone was the
        // peak of every placement, so n1's breach did not change the objective and stayed.
        var nodes = new[] { NodeOf(0, 1000), NodeOf(1, 1000), NodeOf(2, 1000) };
        var specs = new[] { new Spec(0, 3000), new Spec(1, 450), new Spec(1, 400), new Spec(2, 100) };

        var plan = Planner().Plan(Request(nodes, specs), CancellationToken.None);

        var moves = plan.Actions.OfType<MoveAction>().ToList();
        Assert.Multiple(() =>
        {
            Assert.That(moves, Has.Count.EqualTo(1));
            Assert.That(moves.Select(m => (m.From, m.To)), Is.All.EqualTo((Node(1), Node(2))), "n1's breach is ended by a move to n2");
            Assert.That(plan.Feasible, Is.False, "p00 still fits no node");
            Assert.That(plan.Shortfall, Is.EqualTo((3000.0 / 800) - 1).Within(1e-9), "the shortfall is judged on p00's whole load");
            Assert.That(plan.After.MaxUtilization, Is.EqualTo(3000.0 / 1000).Within(1e-9), "the predicted peak is p00's whole load");
            Assert.That(plan.Warnings, Has.Some.Contain("a shard this plan does not split further").And.Contain("is hotter than any node's allowance"));
        });
    }

    [Test]
    public void Plan_WhenAHotPartitionIsLeftWholeByItsCooldown_DoesNotCallItUnsplittable()
    {
        // p00 (900 requests over an 800 allowance, 20 sampled keys) could be split, but changed a minute ago.
        var hot = new Spec(0, 900) { Samples = UniformSamples(0, 20) };
        var request = Request([NodeOf(0, 1000), NodeOf(1, 1000)], [hot, new Spec(0, 100), new Spec(1, 100)]) with
        {
            LastChanged = new Dictionary<PartitionId, DateTimeOffset> { [Partition(0)] = Now.AddMinutes(-1) },
        };

        var plan = Planner().Plan(request, CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(plan.Feasible, Is.False);
            Assert.That(plan.Warnings, Has.Some.Contain("within the cooldown"));
            Assert.That(plan.Warnings, Has.None.Contain("cannot be split"), "p00 has 20 sampled keys: only its cooldown keeps it whole");
            Assert.That(plan.Warnings, Has.Some.Contain("Infeasible: a shard this plan does not split further"));
        });
    }

    [TestCase(0, false)]
    [TestCase(1, true)]
    public void Plan_WhenTheHottestNodeCannotBeHelped_EndsAnotherNodesBreachOnlyWithABreachSumWeight(double weight, bool ended)
    {
        // n0 carries 950 of its 800 allowance in two partitions that changed just now (cooling, so pinned): the worst peak
        // whatever the plan does. n1 carries 850 of 800 in two partitions that either move to n2 would end. Counting only
        // the worst peak, n1's breach changes nothing and a move only costs; counted per node, it is worth a move.
        var nodes = new[] { NodeOf(0, 1000), NodeOf(1, 1000), NodeOf(2, 1000) };
        var specs = new[] { new Spec(0, 500), new Spec(0, 450), new Spec(1, 450), new Spec(1, 400), new Spec(2, 100) };
        var request = Request(nodes, specs) with { LastChanged = new Dictionary<PartitionId, DateTimeOffset> { [Partition(0)] = Now, [Partition(1)] = Now } };
        var options = Options();
        options.BreachSumWeight = weight;

        var plan = Planner(options).Plan(request, CancellationToken.None);

        var moves = plan.Actions.OfType<MoveAction>().ToList();
        Assert.Multiple(() =>
        {
            Assert.That(moves.Select(m => m.Shard), Has.None.EqualTo(Partition(0)).And.None.EqualTo(Partition(1)), "cooling partitions stay");
            if (ended)
            {
                Assert.That(moves, Has.Count.EqualTo(1));
                Assert.That(moves.Select(m => (m.From, m.To)), Is.All.EqualTo((Node(1), Node(2))), "n1's breach is ended by a move to n2");
            }
            else
            {
                Assert.That(moves, Is.Empty, "the worst peak is n0's either way, so no move pays");
            }
        });
    }

    [TestCase(0, false)]
    [TestCase(2, true)]
    public void Plan_WhenAShardFillsItsNodeAlone_MovesTheRestOffOnlyWithAnIsolationWeight(double weight, bool isolated)
    {
        // p00 is one hot key that just moved (cooling) and fills n0's 800 allowance alone (820); p01, cold (30), shares n0
        // with it. Moving p01 lowers the worst peak by 30 / 800 = 0.0375, less than its move costs (2 × 1 / 28 of the
        // cluster's bytes = 0.071), so the worst peak alone keeps it there; weighted by the isolation weight n0's breach
        // adds 2 × 0.0375, and the move pays.
        var nodes = new[] { NodeOf(0, 1000), NodeOf(1, 1000), NodeOf(2, 1000) };
        var specs = new[] { new Spec(0, 820), new Spec(0, 30), new Spec(1, 500, 13_000_000_000), new Spec(2, 500, 13_000_000_000) };
        var request = Request(nodes, specs) with { LastChanged = new Dictionary<PartitionId, DateTimeOffset> { [Partition(0)] = Now } };
        var options = Options();
        options.MoveCostWeight = 2;
        options.IsolationWeight = weight;

        var plan = Planner(options).Plan(request, CancellationToken.None);

        var moves = plan.Actions.OfType<MoveAction>().ToList();
        if (isolated)
        {
            Assert.That(moves.Select(m => (m.Shard, m.From)), Is.EqualTo(new[] { (Partition(1), Node(0)) }), "the cold partition leaves the hot key's node");
            Assert.That(moves[0].Reason, Does.EndWith("; n0 keeps p00, which alone reaches a node's allowance, so its other load moves off"));
        }
        else
        {
            Assert.That(moves, Is.Empty, "the move costs more than the worst peak gains");
        }
    }

    [TestCase(0.0, 1_000_000_000_000L, true)]
    [TestCase(0.25, 1_000_000_000_000L, false)]
    [TestCase(0.25, 1_000_000_000L, true)]
    public void Plan_WithAMoveOverhead_SkipsAMoveWhoseCopyWouldPushItsTargetPastTheLoadItRelieves(double overhead, long bytes, bool moves)
    {
        // n0 carries 850 of its 800 allowance (p00 500, p01 350), n1 450. Moving p01 leaves n1 at its allowance exactly, so
        // without an overhead the move is planned. At 50 MB/s a 1 TB copy takes six hourly steps, the whole horizon:
        // meanwhile n1 would carry 450 + 1.25 × 350 = 887.5, more than n0's 850 now, so the move is not worth it. A 1 GB
        // copy ends within the first step, whose load is 0.9 × the peak's, so the move pays again.
        var options = Options();
        options.MoveOverheadShare = overhead;

        AssertMovesP01ToN1OrNothing(PlanN0OverItsAllowance(options, bytes), moves, "the copy would cost more peak than the move relieves");
    }

    [TestCase(0.0, true)]
    [TestCase(0.03, true)]
    [TestCase(0.1, false)]
    public void Plan_WithAPerMoveCost_MakesAMoveOnlyWhenItGainsMoreThanTheCost(double perMoveCost, bool moves)
    {
        // n0 carries 850 of its 800 allowance (p00 500, p01 350), n1 450. Moving p01 ends n0's breach: the worst peak goes
        // from 850 / 800 = 1.0625 to n1's 800 / 800 = 1, a gain of 0.0625, less a third of the cluster's bytes at the
        // default move-cost weight (0.02 / 3). A per-move cost below what is left (0.056) keeps the move; one above drops it.
        var options = Options();
        options.PerMoveCost = perMoveCost;

        AssertMovesP01ToN1OrNothing(PlanN0OverItsAllowance(options, new Spec(0, 0).Bytes), moves, "the move gains less than it costs");
    }

    /// <summary>Plans two nodes of 1000 (allowance 800): n0 with p00 (500) and p01 (350), n1 with p02 (450); each partition <paramref name="bytes"/> large.</summary>
    private static List<MoveAction> PlanN0OverItsAllowance(GeneticPlannerOptions options, long bytes)
    {
        var nodes = new[] { NodeOf(0, 1000), NodeOf(1, 1000) };
        var specs = new[] { new Spec(0, 500, bytes), new Spec(0, 350, bytes), new Spec(1, 450, bytes) };
        return Planner(options).Plan(Request(nodes, specs), CancellationToken.None).Actions.OfType<MoveAction>().ToList();
    }

    private static void AssertMovesP01ToN1OrNothing(List<MoveAction> planned, bool moves, string whyNothing)
    {
        if (moves)
        {
            Assert.That(planned.Select(m => (m.Shard, m.From, m.To)), Is.EqualTo(new[] { (Partition(1), Node(0), Node(1)) }));
        }
        else
        {
            Assert.That(planned, Is.Empty, whyNothing);
        }
    }

    [Test]
    public void Plan_WhenAShardIsHotterThanEveryNodeAndAlone_LeavesItWhereItIs()
    {
        // Isolated, p00 is as well placed as it can be: carrying it to another node would gain nothing and cost its bytes.
        var nodes = new[] { NodeOf(0, 1000), NodeOf(1, 1000), NodeOf(2, 1000) };
        var specs = new[] { new Spec(0, 3000, Bytes: 1_000), new Spec(1, 300), new Spec(2, 500) };

        var plan = Planner().Plan(Request(nodes, specs), CancellationToken.None);

        Assert.That(plan.Actions.OfType<MoveAction>(), Is.Empty);
    }

    [Test]
    public void Plan_WithMaxMovesPerPlanOfOne_MovesTheShardThatRelievesTheBreachMost()
    {
        // n0 carries 1000 of its 800 allowance in one 300 and four 175s. Without a limit the plan balances the cluster
        // with several moves; with room for one move, only moving the 300 ends the breach (a 175 leaves n0 at 825).
        var nodes = new[] { NodeOf(0, 1000), NodeOf(1, 1000), NodeOf(2, 1000) };
        var specs = new[] { new Spec(0, 300), new Spec(0, 175), new Spec(0, 175), new Spec(0, 175), new Spec(0, 175), new Spec(1, 100), new Spec(2, 100) };
        var unlimited = Planner().Plan(Request(nodes, specs), CancellationToken.None);
        var limited = Planner().Plan(Request(nodes, specs, Constraints() with { MaxMovesPerPlan = 1 }), CancellationToken.None);

        var move = limited.Actions.OfType<MoveAction>().Single();
        Assert.Multiple(() =>
        {
            Assert.That(unlimited.Actions.OfType<MoveAction>().Count(), Is.GreaterThan(1));
            Assert.That(move.Shard, Is.EqualTo(Partition(0)));
            Assert.That(limited.After.MaxUtilization, Is.LessThanOrEqualTo(0.8 + 1e-9), "the breach is gone");
        });
    }

    [Test]
    public void PlanningConstraints_WithMaxMovesPerPlanBelowOne_IsRejectedNamingIt()
    {
        var constraints = Constraints() with { MaxMovesPerPlan = 0 };

        var e = Assert.Throws<ArgumentOutOfRangeException>(constraints.Validate);

        Assert.That(e!.Message, Does.Contain("MaxMovesPerPlan").And.Contain("got 0"));
    }

    [Test]
    public void Plan_WhenNodesHaveDiskCapacityButNoDiskForecast_KeepsDisksFromOverfilling()
    {
        // n1 has requests room but only 1.5 GB of disk: the 1 GB partitions can go there at most once.
        var nodes = new[] { NodeOf(0, 1000, disk: 10e9), NodeOf(1, 1000, disk: 1.5e9 / 0.8), NodeOf(2, 1000, disk: 10e9) };
        var specs = new[] { new Spec(0, 300), new Spec(0, 300), new Spec(0, 300), new Spec(2, 300) };

        var plan = Planner().Plan(Request(nodes, specs), CancellationToken.None);

        Assert.That(plan.Actions.OfType<MoveAction>().Count(m => m.To == Node(1)), Is.LessThanOrEqualTo(1));
        Assert.That(plan.After.MaxUtilization, Is.LessThanOrEqualTo(0.8 + 1e-9));
    }

    [Test]
    public void Plan_WhenThePlanningQuantileIsBelowTheForecasts_PlansAtTheLowestAndSaysSoInTheReasonsAndAWarning()
    {
        // The forecast's lowest quantile is 0.5: asked for q0.1, the loads are q0.5's (ValueAt clamps). Before, the
        // reasons quoted q0.5's 0.88 as "at q0.1" and no warning said the quantile was not there.
        var request = Request([NodeOf(0, 1000), NodeOf(1, 1000)], [new Spec(0, 600), new Spec(0, 500), new Spec(1, 100)], Constraints() with { PlanningQuantile = 0.1 });

        var plan = Planner().Plan(request, CancellationToken.None);

        Assert.That(plan.Actions.OfType<MoveAction>().Select(m => m.Reason), Is.Not.Empty.And.All.Contain("at q0.5 ").And.None.Contain("q0.1"));
        Assert.That(plan.Warnings, Has.Some.Contains("PlanningQuantile 0.1 is outside the forecast's quantiles (0.5–0.99)"));
    }

    [Test]
    public void Plan_WhenOneNodeGivesDiskCapacityZero_ThrowsNamingTheNodeInsteadOfDroppingEveryDiskLimit()
    {
        // Before: one node at disk 0 switched the disk limit off for all, and a 5 GB partition went to n1, whose disk
        // (10 GB) already held 9 GB.
        const double Gb = 1e9;
        var nodes = new[] { NodeOf(0, 1000, disk: 100 * Gb), NodeOf(1, 1000, disk: 10 * Gb), NodeOf(2, 100, disk: 0) };
        var specs = new[] { new Spec(0, 500, 5_000_000_000), new Spec(0, 450, 5_000_000_000), new Spec(1, 10, 9_000_000_000), new Spec(2, 0, 0) };

        var ex = Assert.Throws<ArgumentException>(() => Planner().Plan(Request(nodes, specs), CancellationToken.None));

        Assert.That(ex!.Message, Does.Contain("'n2'").And.Contain("capacity 0").And.Contain("diskBytes"));
    }

    [Test]
    public void Plan_WhenEveryNodeGivesAPositiveDiskCapacity_KeepsTheNearlyFullDiskFromOverfilling()
    {
        const double Gb = 1e9;
        var nodes = new[] { NodeOf(0, 1000, disk: 100 * Gb), NodeOf(1, 1000, disk: 10 * Gb), NodeOf(2, 100, disk: 1) };
        var specs = new[] { new Spec(0, 500, 5_000_000_000), new Spec(0, 450, 5_000_000_000), new Spec(1, 10, 9_000_000_000), new Spec(2, 0, 0) };

        var plan = Planner().Plan(Request(nodes, specs), CancellationToken.None);

        var onN1 = 9_000_000_000 + plan.Actions.OfType<MoveAction>().Where(m => m.To == Node(1)).Sum(m => m.Bytes) - plan.Actions.OfType<MoveAction>().Where(m => m.From == Node(1)).Sum(m => m.Bytes);
        Assert.That(onN1, Is.LessThanOrEqualTo(10_000_000_000));
    }

    [Test]
    public void Plan_WhenAPartitionLacksAResourceOthersHave_ThrowsNamingIt()
    {
        var request = Request([NodeOf(0, 1000), NodeOf(1, 1000)], [new Spec(0, 100), new Spec(1, 100)]);
        var series = request.Forecast.Partitions.ToDictionary(kv => kv.Key, kv => kv.Value);
        series[Partition(0)] = new Dictionary<ResourceKind, QuantileSeries>(series[Partition(0)]) { [ResourceKind.Cpu] = series[Partition(0)][ResourceKind.Requests] };
        var nodes = new[] { new NodeInfo(Node(0), new Dictionary<ResourceKind, double> { [ResourceKind.Requests] = 1000, [ResourceKind.Cpu] = 8 }), new NodeInfo(Node(1), new Dictionary<ResourceKind, double> { [ResourceKind.Requests] = 1000, [ResourceKind.Cpu] = 8 }) };
        var bad = request with
        {
            Cluster = new ClusterSnapshot(nodes, request.Cluster.Partitions, 1),
            Forecast = new LoadForecast(Now, TimeSpan.FromHours(1), request.Forecast.Quantiles, series),
        };

        var ex = Assert.Throws<ArgumentException>(() => Planner().Plan(bad, CancellationToken.None));
        Assert.That(ex!.Message, Does.Contain("p01").And.Contain("cpu"));
    }

    [TestCase(1000, 1e308, TestName = "Plan_WhenTheLoadsOfANodeAddUpBeyondADouble_ThrowsNamingTheResource")]
    [TestCase(1e-300, 1e10, TestName = "Plan_WhenALoadOverATinyCapacityIsBeyondADouble_ThrowsNamingTheResource")]
    public void Plan_WhenAUtilizationIsBeyondADouble_ThrowsNamingTheResourceInsteadOfReportingAnInfinitePeak(double capacity, double load)
    {
        // Every forecast value is finite (QuantileSeries checks), but a node's load is a sum of them and its utilisation
        // that sum over capacity: here it was infinite, the plan reported an infinite predicted peak, and psharding plan
        // failed writing it as JSON with an unhandled exception.
        var request = Request([NodeOf(0, capacity), NodeOf(1, capacity)], [new Spec(0, load), new Spec(0, load)]);

        var ex = Assert.Throws<ArgumentException>(() => Planner().Plan(request, CancellationToken.None));

        Assert.That(ex!.Message, Does.Contain("'requests'").And.Contain("'n0'"));
    }

    [Test]
    public void Plan_WhenANodeLacksCapacityForAForecastResource_ThrowsNamingIt()
    {
        var request = Request([NodeOf(0, 1000), NodeOf(1, 1000)], [new Spec(0, 100), new Spec(1, 100)]);
        var nodes = new[] { NodeOf(0, 1000), new NodeInfo(Node(1), new Dictionary<ResourceKind, double> { [ResourceKind.Cpu] = 8 }) };
        var bad = request with { Cluster = new ClusterSnapshot(nodes, request.Cluster.Partitions, 1) };

        var ex = Assert.Throws<ArgumentException>(() => Planner().Plan(bad, CancellationToken.None));
        Assert.That(ex!.Message, Does.Contain("n1").And.Contain("requests"));
    }

    [Test]
    public void Core_RefusesNegativeNaNAndUnorderedForecasts()
    {
        // The planner relies on these checks in Core's forecast types.
        Assert.Throws<ArgumentException>(() => _ = new QuantileSeries(1, 2, [1, double.NaN]));
        Assert.Throws<ArgumentException>(() => _ = new QuantileSeries(1, 2, [-1, 1]));
        Assert.Throws<ArgumentException>(() => _ = new QuantileSeries(1, 2, [2, 1]));
        Assert.Throws<ArgumentException>(() => _ = new LoadForecast(Now, TimeSpan.FromHours(1), [0.9, 0.5], new Dictionary<PartitionId, IReadOnlyDictionary<ResourceKind, QuantileSeries>>()));
        Assert.Throws<ArgumentException>(() => _ = new ClusterSnapshot([], [], 1));
    }

    [Test]
    public void Plan_WhenNoBreachButRebalanceRequested_LowersThePeak()
    {
        var options = Options();
        options.RebalanceUnderThresholds = true;
        var specs = new[] { new Spec(0, 200), new Spec(0, 200), new Spec(0, 200), new Spec(1, 50) };

        var plan = Planner(options).Plan(Request([NodeOf(0, 1000), NodeOf(1, 1000)], specs), CancellationToken.None);

        Assert.That(plan.Before.MaxUtilization, Is.EqualTo(0.6).Within(1e-9));
        Assert.That(plan.After.MaxUtilization, Is.EqualTo(0.4).Within(1e-9));
        Assert.That(plan.Actions.OfType<MoveAction>().Single().Reason, Does.StartWith("lower the cluster's predicted peak"));
    }

    [Test]
    public void Plan_WhenOverflowAtHighQuantileOnly_StillActs()
    {
        // At q0.9 n0 sits at 0.75 (under 0.8), but q0.99 is 1.1 × … above capacity only if the tail is wide: use threshold 0.95.
        var constraints = Constraints() with { DefaultUtilizationThreshold = 0.95 };
        var specs = new[] { new Spec(0, 470), new Spec(0, 470), new Spec(1, 50) };

        var plan = Planner().Plan(Request([NodeOf(0, 1000), NodeOf(1, 1000)], specs, constraints), CancellationToken.None);

        // 940 at q0.9 (< 950), 1034 at q0.99 (> 1000): the overflow rule moves one away.
        var move = plan.Actions.OfType<MoveAction>().Single();
        Assert.That(move.Reason, Does.StartWith("node n0 requests at step 3 (2026-03-02T11:00:00Z): 1.03 × capacity at q0.99 > capacity"));
    }

    [Test]
    public void Plan_RecordsMetricsOnThePlanningMeter()
    {
        using var collector = new MetricCollector<long>(null, "PredictiveSharding.Planning", "psharding.planning.plans");
        var specs = new[] { new Spec(0, 500), new Spec(0, 500), new Spec(1, 50) };

        Planner().Plan(Request([NodeOf(0, 1000), NodeOf(1, 1000)], specs), CancellationToken.None);

        Assert.That(collector.GetMeasurementSnapshot().Sum(m => m.Value), Is.GreaterThanOrEqualTo(1));
    }

    [Test]
    public void Plan_LogsTheOutcome()
    {
        var logger = new FakeLogger<GeneticShardPlanner>();
        var planner = new GeneticShardPlanner(Options(), new FakeTimeProvider(), logger);
        var specs = new[] { new Spec(0, 500), new Spec(0, 500), new Spec(1, 50) };

        planner.Plan(Request([NodeOf(0, 1000), NodeOf(1, 1000)], specs), CancellationToken.None);

        Assert.That(logger.Collector.GetSnapshot().Select(r => r.Message), Has.Some.StartsWith("Plan ready"));
        Assert.That(logger.Collector.GetSnapshot().Where(r => r.Level == LogLevel.Information), Is.Not.Empty);
    }

    [Test]
    public void Plan_OnOneNodePredictedOverItsThreshold_DoesNotLogThatNoNodeIs()
    {
        var logger = new FakeLogger<GeneticShardPlanner>();
        var planner = new GeneticShardPlanner(Options(), new FakeTimeProvider(), logger);

        // 900 + 100 requests on one node of 1000: over its 0.8 threshold, but there is nowhere to move anything.
        planner.Plan(Request([NodeOf(0, 1000)], [new Spec(0, 900), new Spec(0, 100)]), CancellationToken.None);

        var messages = logger.Collector.GetSnapshot().Select(r => r.Message).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(messages, Has.None.Contain("No node is predicted to cross a threshold"));
            Assert.That(messages, Has.Some.EqualTo("Placement left as it is: the cluster has one node"));
        });
    }

    [Test]
    public void Constructor_CopiesOptions_SoLaterChangesHaveNoEffect()
    {
        var options = Options();
        var planner = Planner(options);
        options.PopulationSize = 1;

        Assert.DoesNotThrow(() => planner.Plan(Request([NodeOf(0, 1000), NodeOf(1, 1000)], [new Spec(0, 900), new Spec(0, 100), new Spec(1, 10)]), CancellationToken.None));
    }

    [Test]
    public void Plan_WhenTheTimeBudgetEndsTheSearch_SaysSoInAWarning()
    {
        var options = Options();
        options.MaxGenerations = 1000;
        options.TimeBudget = TimeSpan.FromSeconds(2);
        var planner = new GeneticShardPlanner(options, new SteppingTimeProvider(TimeSpan.FromSeconds(1)));
        var specs = new[] { new Spec(0, 300), new Spec(0, 300), new Spec(0, 300), new Spec(1, 50), new Spec(2, 50) };

        var plan = planner.Plan(Request([NodeOf(0, 1000), NodeOf(1, 1000), NodeOf(2, 1000)], specs), CancellationToken.None);

        Assert.That(plan.Warnings, Has.Some.StartsWith("The search stopped at its time budget (2000 ms)"));
        Assert.That(plan.StoppedAtTimeLimit, Is.True);
        Assert.That(plan.After.MaxUtilization, Is.LessThan(plan.Before.MaxUtilization), "still the best placement found so far");
    }

    [Test]
    public void Plan_FlagsASearchCutShortByTheClock_OnThePlanAndItsMetric_AndNotOneThatEndedByItself()
    {
        using var collector = new MetricCollector<long>(null, "PredictiveSharding.Planning", "psharding.planning.plans");
        var specs = new[] { new Spec(0, 300), new Spec(0, 300), new Spec(0, 300), new Spec(1, 50), new Spec(2, 50) };
        var nodes = new[] { NodeOf(0, 1000), NodeOf(1, 1000), NodeOf(2, 1000) };
        var options = Options();
        options.MaxGenerations = 1000;
        options.TimeBudget = TimeSpan.FromSeconds(2);

        var cut = new GeneticShardPlanner(options, new SteppingTimeProvider(TimeSpan.FromSeconds(1))).Plan(Request(nodes, specs), CancellationToken.None);
        var ended = new GeneticShardPlanner(options, new FakeTimeProvider()).Plan(Request(nodes, specs), CancellationToken.None);

        Assert.That((cut.StoppedAtTimeLimit, ended.StoppedAtTimeLimit), Is.EqualTo((true, false)));
        Assert.That(ended.Warnings, Has.None.Contains("time budget"));
        var tags = collector.GetMeasurementSnapshot().Select(m => m.Tags["stopped_at_time_limit"]).ToList();
        Assert.That(tags, Is.EqualTo(new object?[] { true, false }));
    }

    [Test]
    public void Plan_MeasuresPlanTimeWithTheTimeProvider()
    {
        var time = new FakeTimeProvider();
        var planner = new GeneticShardPlanner(Options(), time);

        var plan = planner.Plan(Request([NodeOf(0, 1000), NodeOf(1, 1000)], [new Spec(0, 500), new Spec(0, 500), new Spec(1, 50)]), CancellationToken.None);

        Assert.That(plan.PlanTime, Is.EqualTo(TimeSpan.Zero), "the fake clock never moved");
    }

    [TestCase(1.0, 1L << 40)] // 35,000 years: more than a TimeSpan holds
    [TestCase(50_000_000.0, (long.MaxValue / 2) - 1_000_000_000)] // 2,900 years: a TimeSpan, but starting before year 1
    public void Plan_WhenAMoveWouldTakeCenturies_StillPlansIt_StartingNow(double bandwidth, long bytes)
    {
        var request = Request([NodeOf(0, 1000), NodeOf(1, 1000)], [new Spec(0, 450, bytes), new Spec(0, 450, bytes), new Spec(1, 50)], Constraints() with { MoveBandwidthBytesPerSecond = bandwidth });

        var plan = Planner().Plan(request, CancellationToken.None);

        var move = plan.Actions.OfType<MoveAction>().Single();
        Assert.That(move.StartBy, Is.EqualTo(Now));
        Assert.That(move.EstimatedDuration, Is.GreaterThan(TimeSpan.FromDays(365 * 1000)));
    }

    [Test]
    public void Plan_WhenAPartitionChangedAtTheEndOfTime_KeepsItInCooldown()
    {
        // A host may mark a partition "never touch" with the largest time, or set the longest cooldown.
        var specs = new[] { new Spec(0, 450), new Spec(0, 450), new Spec(1, 50) };
        var atEnd = Request([NodeOf(0, 1000), NodeOf(1, 1000)], specs) with { LastChanged = new Dictionary<PartitionId, DateTimeOffset> { [Partition(0)] = DateTimeOffset.MaxValue } };
        var longest = Request([NodeOf(0, 1000), NodeOf(1, 1000)], specs, Constraints() with { Cooldown = TimeSpan.MaxValue }) with { LastChanged = new Dictionary<PartitionId, DateTimeOffset> { [Partition(0)] = DateTimeOffset.MinValue } };

        foreach (var request in new[] { atEnd, longest })
        {
            var plan = Planner().Plan(request, CancellationToken.None);
            Assert.That(plan.Actions.OfType<MoveAction>().Select(m => m.Shard), Is.EqualTo(new[] { Partition(1) }), "p00 stays, p01 goes");
        }
    }

    [Test]
    public void Plan_WhenKeySampleWeightsAddUpBeyondADouble_StillSplitsAtTheHeavyKey()
    {
        // Two finite samples of one key add up to infinity; the split chooser then divided infinity by infinity.
        var samples = new[] { ("k00-a", 1e308), ("k00-b", 1e308), ("k00-b", 1e308), ("k00-c", 1e308) };
        var request = Request([NodeOf(0, 1000), NodeOf(1, 1000)], [new Spec(0, 900) { Samples = samples }, new Spec(1, 0)]);

        var plan = Planner().Plan(request, CancellationToken.None);

        var split = plan.Actions.OfType<SplitAction>().Single();
        Assert.That(split.SplitKeys.Select(k => k.ToString()), Does.Contain("k00-b"));
        Assert.That(plan.After.MaxUtilization, Is.LessThan(plan.Before.MaxUtilization));
    }
}
