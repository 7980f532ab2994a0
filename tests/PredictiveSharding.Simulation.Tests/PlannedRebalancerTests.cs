using System.Globalization;
using PredictiveSharding.Forecasting;
using PredictiveSharding.Planning;
using PredictiveSharding.Simulation.Cluster;
using PredictiveSharding.Simulation.Strategies.Planned;
using PredictiveSharding.Topology;

namespace PredictiveSharding.Simulation.Tests;

public class PlannedRebalancerTests
{
    private static readonly PlannedSettings Settings = new(HorizonSteps: 6, PlanEverySteps: 1, FineTuneEverySteps: 100, HistoryWindowSteps: 50, UtilizationThreshold: 0.9, PlanningQuantile: 0.5, MaxKeySamples: 48, CorrectMeasuredOverload: false);

    [TestCase(25, 60, true)]
    [TestCase(25, 100, false)]
    [TestCase(0, 60, false)]
    public void Constructor_WithASeasonalMinPeriodTheHistoryWindowCannotShow_WarnsNamingBoth(int minPeriod, int window, bool warns)
    {
        // The period search shows periods up to a quarter of the history window: a seasonal floor from 25 steps in 60 steps
        // of history never raised anything, while the strategy's setting still read "seasonal floor (periods ≥ 25 steps)".
        var settings = Settings with { SeasonalMinPeriod = minPeriod, HistoryWindowSteps = window };

        var rebalancer = new PlannedRebalancer(StrategyNames.Predictive, new LastValueForecaster(), new FixedMovePlanner(new PartitionId("p000"), DateTimeOffset.UnixEpoch, TimeSpan.FromMinutes(1)), settings, TimeProvider.System);

        Assert.That(
            rebalancer.Warnings.Where(w => w.Contains("seasonal floor", StringComparison.Ordinal)),
            warns ? Has.Exactly(1).Contains($"{minPeriod} steps").And.Contains($"history window of {window} steps") : Is.Empty);
    }

    [Test]
    public async Task BeforeStep_StartsAPlannedMoveAtOnce_EvenWhenItsBreachIsStepsAway()
    {
        // The planner asks to move p000 from n0 to n1 by 00:04 (breach at 00:05). A plan carries only the moves that can
        // start before the next plan, so the move starts at the first plan (step 1), not at its latest start (step 4).
        var loads = TestTraces.Minutes(Enumerable.Range(0, 4).Select(_ => TestTraces.Repeat(1, 8)).ToArray());
        var cluster = new ClusterModel(loads, new ClusterSetup(2, 100, 2, 1, 1000, 0, 4, 0, 0));
        var planner = new FixedMovePlanner(new PartitionId("p000"), loads.StartOf(4), TimeSpan.FromMinutes(1));
        var rebalancer = new PlannedRebalancer(StrategyNames.Predictive, new LastValueForecaster(), planner, Settings, TimeProvider.System);
        var movingFrom = -1;

        cluster.Advance();
        while (!cluster.Finished)
        {
            await rebalancer.BeforeStepAsync(cluster, CancellationToken.None);
            if (movingFrom < 0 && cluster.RunningMoves.Count > 0)
            {
                movingFrom = cluster.Step;
            }

            cluster.Advance();
        }

        Assert.Multiple(() =>
        {
            Assert.That(planner.Calls, Is.GreaterThan(1), "it re-plans every step");
            Assert.That(movingFrom, Is.EqualTo(1));
            Assert.That(cluster.Find(new PartitionId("p000"))!.Node, Is.EqualTo(1));
            Assert.That(cluster.Metrics.Moves, Is.EqualTo(1));
        });
    }

    [Test]
    public async Task BeforeStep_WithAMeasuredSplitShare_SplitsWhatWasHotAtTheLastStepWhereItsRequestsBalance_BeforeThePlan()
    {
        // Partition p000 holds keys 0-3 with 10 requests each (40 in all), p001 keys 4-7 with 1 each. At a share of 0.3
        // of a 100-request node only p000 is hot; it splits in two at key 2 and both halves stay on its node. The planner
        // (which moves nothing) already sees the halves.
        var loads = TestTraces.Minutes([.. Enumerable.Range(0, 4).Select(_ => TestTraces.Repeat(10, 4)), .. Enumerable.Range(0, 4).Select(_ => TestTraces.Repeat(1, 4))]);
        var cluster = new ClusterModel(loads, new ClusterSetup(2, 100, 2, 1, 1000, 0, 4, 0, 0));
        var planner = new RecordingPlanner();
        var off = new PlannedRebalancer(StrategyNames.Predictive, new LastValueForecaster(), planner, Settings, TimeProvider.System);
        var on = new PlannedRebalancer(StrategyNames.Predictive, new LastValueForecaster(), planner, Settings with { MeasuredSplitShare = 0.3 }, TimeProvider.System);
        cluster.Advance();

        await off.BeforeStepAsync(cluster, CancellationToken.None);
        var partitionsWhenOff = cluster.Partitions.Count;
        await on.BeforeStepAsync(cluster, CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(partitionsWhenOff, Is.EqualTo(2), "off by default");
            Assert.That(cluster.Partitions.Select(p => (p.Lo, p.Hi, p.Node)), Is.EqualTo(new[] { (0, 2, 0), (2, 4, 0), (4, 8, 1) }));
            Assert.That(planner.Last!.Cluster.Partitions, Has.Count.EqualTo(3), "the plan is made on the pieces");
            Assert.That(on.Setting, Does.EndWith(", load-based splits above 0.3 × capacity"));
            Assert.That(off.Setting, Does.Not.Contain("load-based"));
        });
    }

    [TestCase(false)]
    [TestCase(true)]
    public async Task BeforeStep_WithStoreRebalance_MovesFromTheHottestNodeToTheCoolestWhileThePlanMovesNothing(bool storeRebalance)
    {
        // p000 and p002 (10 requests a step each) share n0; p001 and p003 (1 each) share n1. The mean is 11, so n0 is 82%
        // above it. The planner moves nothing (no breach of a 100-request node). With the store rebalancer, the database's
        // balancer moves one hot partition to n1 (2 + 10 stays within 10% of the mean); without it nothing moves.
        var loads = TestTraces.Minutes(
            TestTraces.Repeat(5, 4), TestTraces.Repeat(5, 4), TestTraces.Repeat(0.5, 4), TestTraces.Repeat(0.5, 4),
            TestTraces.Repeat(5, 4), TestTraces.Repeat(5, 4), TestTraces.Repeat(0.5, 4), TestTraces.Repeat(0.5, 4));
        var cluster = new ClusterModel(loads, new ClusterSetup(2, 100, 4, 1, 1000, 0, 4, 0, 0));
        var rebalancer = new PlannedRebalancer(StrategyNames.Predictive, new LastValueForecaster(), new RecordingPlanner(), Settings with { StoreRebalance = storeRebalance }, TimeProvider.System);
        cluster.Advance();

        await rebalancer.BeforeStepAsync(cluster, CancellationToken.None);

        var moving = cluster.Partitions.Where(p => p.Moving).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(moving, Has.Count.EqualTo(storeRebalance ? 1 : 0));
            Assert.That(moving.Select(p => (cluster.DestinationOf(p), p.LastLoad)), Is.All.EqualTo((1, 10.0)), "a hot partition, to the cool node");
            Assert.That(rebalancer.Setting.Contains("store rebalancer while the plan moves nothing", StringComparison.Ordinal), Is.EqualTo(storeRebalance));
        });
    }

    [Test]
    public async Task BeforeStep_WithStoreRebalance_LeavesTheClusterToThePlanWhileThePlanMoves()
    {
        // n0 holds p000 (1 request a step), p002 and p004 (10 each); n1 holds three partitions of 1. The plan moves the cold
        // p000 to n1, which leaves n0 at 20 against a mean of 12: the balancer alone would move a hot partition too. It
        // waits instead, so that it never undoes or crowds a placement the plan chose for its forecast.
        double[] hot = TestTraces.Repeat(5, 4), cold = TestTraces.Repeat(0.5, 4);
        var loads = TestTraces.Minutes(cold, cold, cold, cold, hot, hot, cold, cold, hot, hot, cold, cold);
        var cluster = new ClusterModel(loads, new ClusterSetup(2, 100, 6, 1, 1000, 0, 4, 0, 0));
        var planner = new FixedMovePlanner(new PartitionId("p000"), loads.StartOf(4), TimeSpan.FromMinutes(1));
        var rebalancer = new PlannedRebalancer(StrategyNames.Predictive, new LastValueForecaster(), planner, Settings with { StoreRebalance = true }, TimeProvider.System);
        cluster.Advance();

        await rebalancer.BeforeStepAsync(cluster, CancellationToken.None);

        Assert.That(cluster.Partitions.Where(p => p.Moving).Select(p => p.Id.Value), Is.EqualTo(new[] { "p000" }));
    }

    [Test]
    public void Setting_UnderALocaleWithADecimalComma_WritesEveryFractionWithAPoint()
    {
        // The setting goes into simulate's --json; its optional parts were formatted in the current culture, so under
        // de-DE they read "r ≥ 0,9" and "0,3 × capacity" beside "q0.5 under 0.9 × capacity". A clone of the invariant
        // culture with a decimal comma stands for de-DE, which a machine without ICU cannot create.
        var previous = CultureInfo.CurrentCulture;
        var comma = (CultureInfo)CultureInfo.InvariantCulture.Clone();
        comma.NumberFormat.NumberDecimalSeparator = ",";
        CultureInfo.CurrentCulture = comma;
        try
        {
            AssertSettingUsesDecimalPoints();
        }
        finally
        {
            CultureInfo.CurrentCulture = previous;
        }
    }

    private static void AssertSettingUsesDecimalPoints()
    {
        var settings = Settings with { MeasuredSplitShare = 0.3, BurstAware = true, SingleKeyNeighbourCorrelation = 0.9 };
        var rebalancer = new PlannedRebalancer(StrategyNames.Predictive, new LastValueForecaster(), new RecordingPlanner(), settings, TimeProvider.System);

        Assert.That(rebalancer.Setting, Does.Contain("r ≥ 0.9").And.Contain("load-based splits above 0.3 × capacity").And.Not.Match(@"\d,\d"));
    }

    [Test]
    public async Task BeforeStep_WithAMeasuredSplitShareAndBurstBounds_LearnsTheGrowthOfAPartitionTheSplitReplaces()
    {
        // p000 (keys 0-3) carries 8 requests for two steps, then surges fivefold to 40; p001 (keys 4-7) stays at 4, below
        // the 5% a growth must start from. The surge makes p000 hot at a share of 0.3, so the measured split replaces it by
        // two halves of 20 before the plan. Its growth into the surge is the cluster's only evidence of a burst: the halves'
        // q0.99 must carry it (20 × 5), not the forecaster's 2. Regression: the growth was learnt only at the plan, from the
        // partitions then present, and the halves' own history starts after the surge, so the Wikipedia surges that
        // triggered a measured split were never learnt and the pieces of a surge-prone article stayed together.
        var loads = TestTraces.Minutes([.. Enumerable.Range(0, 4).Select(_ => new double[] { 2, 2, 10, 10 }), .. Enumerable.Range(0, 4).Select(_ => TestTraces.Repeat(1, 4))]);
        var cluster = new ClusterModel(loads, new ClusterSetup(2, 100, 2, 1, 1000, 0, 4, 0, 0));
        var planner = new RecordingPlanner();
        var rebalancer = new PlannedRebalancer(StrategyNames.Predictive, new ConstantForecaster(2, 2, 0.99), planner, Settings with { MeasuredSplitShare = 0.3, BurstAware = true }, TimeProvider.System);
        for (var s = 0; s < 3; s++)
        {
            cluster.Advance();
        }

        await rebalancer.BeforeStepAsync(cluster, CancellationToken.None);

        var forecast = planner.Last!.Forecast;
        var halves = cluster.Partitions.Where(p => p.Node == 0).Select(p => p.Id).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(halves, Has.Count.EqualTo(2), "the surge split p000");
            Assert.That(halves.Select(id => forecast.ValueAt(id, ResourceKind.Requests, 0, 0.99)), Is.All.EqualTo(100).Within(1e-9));
            Assert.That(halves.Select(id => forecast.ValueAt(id, ResourceKind.Requests, 0, 0.5)), Is.All.EqualTo(2), "the median stays the forecaster's");
        });
    }

    [TestCase(true, 25.0)]
    [TestCase(false, 2.0)]
    public async Task BeforeStep_WithGrowthFromInitialRanges_LearnsASurgeOfARangeTheSplitsCutIntoPiecesTooSmallToCount(bool fromInitialRanges, double expectedQ99)
    {
        // p000 holds keys 0-15 at 0.5 requests each (8 in all, 8% of a 100-request node); the load-based split at 0.03
        // cuts it into quarters of 2 (2%), below the 5% a growth must start from. At step 4 every key jumps fivefold. The
        // quarters' growth from 2 does not count; the initial range's, from 8 to 40, does, so the eighths the surge then
        // splits off (5 each) get a q0.99 of 5 × 5. Without it the cluster has seen no growth and the forecaster's 2
        // stands: the held-out Wikipedia articles' surges were lost that way.
        var surging = Enumerable.Range(0, 16).Select(_ => new[] { 0.5, 0.5, 0.5, 0.5, 2.5, 2.5 });
        var idle = Enumerable.Range(0, 16).Select(_ => new double[6]);
        var loads = TestTraces.Minutes([.. surging, .. idle]);
        var cluster = new ClusterModel(loads, new ClusterSetup(2, 100, 2, 1, 1000, 0, 4, 0, 0));
        var planner = new RecordingPlanner();
        var settings = Settings with { MeasuredSplitShare = 0.03, BurstAware = true, GrowthFromInitialRanges = fromInitialRanges };
        var rebalancer = new PlannedRebalancer(StrategyNames.Predictive, new ConstantForecaster(2, 2, 0.99), planner, settings, TimeProvider.System);
        for (var s = 0; s < 5; s++)
        {
            cluster.Advance();
            await rebalancer.BeforeStepAsync(cluster, CancellationToken.None);
        }

        var forecast = planner.Last!.Forecast;
        var pieces = cluster.Partitions.Where(p => p.Hi <= 16).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(pieces.Select(p => p.Hi - p.Lo), Is.All.EqualTo(2), "the surge split the quarters into eighths");
            Assert.That(pieces.Select(p => forecast.ValueAt(p.Id, ResourceKind.Requests, 0, 0.99)), Is.All.EqualTo(expectedQ99).Within(1e-9));
            Assert.That(rebalancer.Setting.Contains("growth also learnt from the initial key ranges", StringComparison.Ordinal), Is.EqualTo(fromInitialRanges));
        });
    }

    [TestCase(2, new[] { 4.0, 4.0, 4.0, 30.0 })]
    [TestCase(0, new[] { 4.0, 4.0, 4.0, 4.0 })]
    public async Task BeforeStep_WithLevelShiftSteps_PlansOnAKeysNewLevelOnceItHasHeldTheSteps(int levelShiftSteps, double[] expectedMedians)
    {
        // Key 0 (its own partition) carries 4 requests, then from step 2 on 30 (7.5 ×) and stays there; the forecaster
        // keeps forecasting 4 (upper 5 at q0.9), as an LSTM that learnt that jumps revert did on the synthetic Zipf trace
        // (a node over capacity for 40 steps with no breach in the plan). With two steps required, the plan made after the
        // first step at 30 still sees 4 (a one-step spike moves nothing) and the one after the second sees 30. Off: never.
        var loads = TestTraces.Minutes([new double[] { 4, 4, 30, 30, 30, 30 }, TestTraces.Repeat(1, 6)]);
        var cluster = new ClusterModel(loads, new ClusterSetup(2, 100, 2, 1, 1000, 0, 4, 0, 0));
        var planner = new RecordingPlanner();
        var settings = Settings with { LevelShiftSteps = levelShiftSteps };
        var rebalancer = new PlannedRebalancer(StrategyNames.Predictive, new ConstantForecaster(4, 5), planner, settings, TimeProvider.System);
        var medians = new List<double>();
        for (var s = 0; s < 4; s++)
        {
            cluster.Advance();
            await rebalancer.BeforeStepAsync(cluster, CancellationToken.None);
            medians.Add(planner.Last!.Forecast.ValueAt(new PartitionId("p000"), ResourceKind.Requests, 0, 0.5));
        }

        Assert.Multiple(() =>
        {
            Assert.That(medians, Is.EqualTo(expectedMedians), "the median the plan saw after steps 1 to 4");
            Assert.That(rebalancer.Setting.Contains("level-shift floor after 2 steps above 2 × q0.9", StringComparison.Ordinal), Is.EqualTo(levelShiftSteps == 2));
        });
    }

    [TestCase(1, 3)]
    [TestCase(3, 11)]
    public async Task Plan_AsksForNoMoreMovesThanCanStartBeforeTheNextPlan(int planEvery, int expected)
    {
        // Four slots, one taken by a running two-step move: three can start now, and all four at each later step before
        // the next plan.
        var loads = TestTraces.Minutes(Enumerable.Range(0, 4).Select(_ => TestTraces.Repeat(1, 6)).ToArray());
        var cluster = new ClusterModel(loads, new ClusterSetup(2, 100, 2, 1, 1, 0, 4, 0, 0));
        var planner = new RecordingPlanner();
        var rebalancer = new PlannedRebalancer(StrategyNames.Predictive, new LastValueForecaster(), planner, Settings with { PlanEverySteps = planEvery }, TimeProvider.System);
        cluster.Advance();
        Assert.That(cluster.TryStartMove(cluster.Partitions[0], 1), Is.True);

        await rebalancer.BeforeStepAsync(cluster, CancellationToken.None);

        Assert.That(planner.Last!.Constraints.MaxMovesPerPlan, Is.EqualTo(expected));
    }

    [Test]
    public async Task FirstPlan_TrainsTheForecasterOnEveryGranularityDownToSingleKeys()
    {
        // Regression: training on partitions, halves and quarters only left the 1-3-key children the planner cuts out of
        // a hot range outside anything the LSTM had seen, and it forecast them near zero. Two partitions of 8 keys: the
        // forecaster must see ranges of 8, 4, 2 and 1 keys, and each single key's own load.
        var counts = Enumerable.Range(0, 16).Select(k => Enumerable.Range(0, 6).Select(t => (double)((k + 1) * (t + 1))).ToArray()).ToArray();
        var loads = TestTraces.Minutes(counts);
        var cluster = new ClusterModel(loads, new ClusterSetup(2, 1000, 2, 1, 1000, 0, 4, 0, 0));
        var forecaster = new LastValueForecaster();
        var rebalancer = new PlannedRebalancer(StrategyNames.Predictive, forecaster, new RecordingPlanner(), Settings, TimeProvider.System);

        cluster.Advance();
        cluster.Advance();
        cluster.Advance();
        await rebalancer.BeforeStepAsync(cluster, CancellationToken.None);

        var history = forecaster.FittedOn;
        Assert.That(history, Is.Not.Null);
        var keyCounts = history!.Series.Select(s => history.Partitions[s.Partition].KeyCount).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(keyCounts.Distinct().Order(), Is.EqualTo(new long[] { 1, 2, 4, 8 }));
            Assert.That(keyCounts.Count(c => c == 1), Is.EqualTo(16), "every key on its own");
            var singles = history.Series.Where(s => history.Partitions[s.Partition].KeyCount == 1).Select(s => s.Buckets.Select(b => b.Requests).ToArray()).ToList();
            for (var k = 0; k < 16; k++)
            {
                Assert.That(singles, Has.One.EqualTo(counts[k].Take(3).ToArray()), $"key {k}'s own past");
            }
        });
    }

    [TestCase(25, 110.0)]
    [TestCase(0, 2.0)]
    public async Task SeasonalMinPeriod_FloorsThePlannedMedianOfATimerTheForecasterMisses(int minPeriod, double expected)
    {
        // Key 0 fires 110 every 30 steps (steps 0, 30, ..., 210) and is quiet at 1 between; key 1 is steady at 1. The
        // forecaster says 2 everywhere. Planning at step 210, the firing's step: with a minimum period of 25 the planner is
        // handed the firing (110 in each of the last three periods) as key 0's median; without, the forecaster's 2.
        var timer = Enumerable.Range(0, 220).Select(i => i % 30 == 0 ? 110.0 : 1).ToArray();
        var cluster = new ClusterModel(TestTraces.Minutes(timer, TestTraces.Repeat(1, 220)), new ClusterSetup(2, 1000, 2, 1, 1000, 0, 4, 0, 0));
        var planner = new RecordingPlanner();
        var rebalancer = new PlannedRebalancer(StrategyNames.Predictive, new ConstantForecaster(2), planner, Settings with { HistoryWindowSteps = 512, SeasonalMinPeriod = minPeriod }, TimeProvider.System);
        for (var s = 0; s < 210; s++)
        {
            cluster.Advance();
        }

        await rebalancer.BeforeStepAsync(cluster, CancellationToken.None);

        var forecast = planner.Last!.Forecast;
        Assert.Multiple(() =>
        {
            Assert.That(forecast.ValueAt(new PartitionId("p000"), ResourceKind.Requests, 0, 0.5), Is.EqualTo(expected));
            Assert.That(forecast.ValueAt(new PartitionId("p000"), ResourceKind.Requests, 1, 0.5), Is.EqualTo(2), "the step after the firing is quiet");
            Assert.That(forecast.ValueAt(new PartitionId("p001"), ResourceKind.Requests, 0, 0.5), Is.EqualTo(2), "a steady key has no period");
            Assert.That(rebalancer.SeasonalPartitions, Is.EqualTo(minPeriod > 0 ? 1 : 0));
        });
    }

    [TestCase(true, 9.0)]
    [TestCase(false, 2.0)]
    public async Task FloorAtLastLoad_PlansAPartitionAtLeastAtItsLastLoad(bool floor, double expected)
    {
        // Key 0 measured 9 at the last step; the forecaster says 2. With the floor the planner is handed 9 at every step.
        var cluster = new ClusterModel(TestTraces.Minutes([4, 9, 9], [1, 1, 1]), new ClusterSetup(2, 1000, 2, 1, 1000, 0, 4, 0, 0));
        var planner = new RecordingPlanner();
        var rebalancer = new PlannedRebalancer(StrategyNames.Predictive, new ConstantForecaster(2), planner, Settings with { FloorAtLastLoad = floor }, TimeProvider.System);
        cluster.Advance();
        cluster.Advance();

        await rebalancer.BeforeStepAsync(cluster, CancellationToken.None);

        var forecast = planner.Last!.Forecast;
        Assert.Multiple(() =>
        {
            Assert.That(Enumerable.Range(0, forecast.Horizon).Select(s => forecast.ValueAt(new PartitionId("p000"), ResourceKind.Requests, s, 0.5)), Is.All.EqualTo(expected));
            Assert.That(forecast.ValueAt(new PartitionId("p001"), ResourceKind.Requests, 0, 0.5), Is.EqualTo(2), "a partition below the forecast keeps it");
        });
    }

    [Test]
    public async Task CorrectMeasuredOverload_RaisesTheForecastOnANodeMeasuredOverCapacityOnly()
    {
        // Two partitions, one per node, capacity 10: p000 measured 30 (over), p001 measured 3; the forecast says 2 for both.
        var (rebalancer, _, corrected) = await CorrectAfterOneStep(hotLoad: 30);

        Assert.Multiple(() =>
        {
            Assert.That(Enumerable.Range(0, 3).Select(s => corrected.ValueAt(new PartitionId("p000"), ResourceKind.Requests, s, 0.5)), Is.All.EqualTo(30));
            Assert.That(Enumerable.Range(0, 3).Select(s => corrected.ValueAt(new PartitionId("p001"), ResourceKind.Requests, s, 0.5)), Is.All.EqualTo(2), "a node under capacity keeps its forecast");
            Assert.That(rebalancer.Corrections, Is.EqualTo(1));
            Assert.That(rebalancer.CorrectedPartitions, Is.EqualTo(1));
        });
    }

    [Test]
    public async Task CorrectMeasuredOverload_LeavesTheForecastAloneWhenNoNodeIsOverCapacity()
    {
        var (rebalancer, forecast, corrected) = await CorrectAfterOneStep(hotLoad: 9);

        Assert.Multiple(() =>
        {
            Assert.That(corrected, Is.SameAs(forecast));
            Assert.That(rebalancer.Corrections, Is.Zero);
        });
    }

    [Test]
    public async Task BeforeStep_WithCorrection_PlansForTheMeasuredOverloadTheForecastMissed_AndNotForOneItForesaw()
    {
        // p000 runs at 30 against a capacity of 10. A forecaster saying 2 is contradicted by the measurement, so the planner
        // is handed 30; one whose median is 2 but whose 0.9 quantile is 40 allowed for it, so its median stands.
        var loads = TestTraces.Minutes(TestTraces.Repeat(30, 4), TestTraces.Repeat(3, 4));
        foreach (var (forecaster, expected) in new (ILoadForecaster, double)[] { (new ConstantForecaster(2), 30.0), (new ConstantForecaster(2, upper: 40), 2.0) })
        {
            var cluster = new ClusterModel(loads, new ClusterSetup(2, 10, 2, 1, 1000, 0, 4, 0, 0));
            var planner = new RecordingPlanner();
            var rebalancer = new PlannedRebalancer(StrategyNames.Predictive, forecaster, planner, Settings with { CorrectMeasuredOverload = true }, TimeProvider.System);
            cluster.Advance();
            await rebalancer.BeforeStepAsync(cluster, CancellationToken.None);
            cluster.Advance();
            await rebalancer.BeforeStepAsync(cluster, CancellationToken.None);

            Assert.That(planner.Last!.Forecast.ValueAt(new PartitionId("p000"), ResourceKind.Requests, 0, 0.5), Is.EqualTo(expected));
        }
    }

    /// <summary>Two nodes of capacity 10, p000 (n0) measured at <paramref name="hotLoad"/> and p001 (n1) at 3 for one step; a forecast of 2 corrected.</summary>
    private static async Task<(PlannedRebalancer Rebalancer, LoadForecast Forecast, LoadForecast Corrected)> CorrectAfterOneStep(double hotLoad)
    {
        var loads = TestTraces.Minutes(TestTraces.Repeat(hotLoad, 3), TestTraces.Repeat(3, 3));
        var cluster = new ClusterModel(loads, new ClusterSetup(2, 10, 2, 1, 1000, 0, 4, 0, 0));
        var rebalancer = new PlannedRebalancer(StrategyNames.Predictive, new ConstantForecaster(2), new RecordingPlanner(), Settings with { CorrectMeasuredOverload = true }, TimeProvider.System);
        cluster.Advance();
        var forecast = await new ConstantForecaster(2).ForecastAsync(new ForecastRequest(History(cluster), 3), CancellationToken.None);
        return (rebalancer, forecast, rebalancer.CorrectMeasuredOverload(cluster, forecast));
    }

    private static LoadHistory History(ClusterModel cluster) =>
        new(cluster.Partitions.Select(p => new PredictiveSharding.Telemetry.PartitionLoadSeries(p.Id, cluster.Loads.Step, p.History.Select((v, s) => PredictiveSharding.Telemetry.LoadBucket.OfRequests(cluster.Loads.StartOf(s), v)).ToArray())).ToList());

    [Test]
    public void Sample_CoversThePartitionsWholeLoadAndIsolatesTheHottestKeys()
    {
        var counts = Enumerable.Range(0, 100).Select(k => TestTraces.Repeat(k == 37 ? 500 : 1, 2)).ToArray();
        var loads = TestTraces.Minutes(counts);
        var cluster = new ClusterModel(loads, new ClusterSetup(1, 10_000, 1, 1, 1, 0, 1, 0, 0));

        var samples = KeySampler.Sample(loads, cluster.Partitions[0], 0, 2, 48);

        Assert.Multiple(() =>
        {
            Assert.That(samples, Has.Count.LessThanOrEqualTo(48));
            Assert.That(samples[0].Key, Is.EqualTo(loads.Keys[0]));
            Assert.That(samples.Sum(s => s.Weight), Is.EqualTo((99 + 500) * 2));
            Assert.That(samples.Single(s => s.Key == loads.Keys[37]).Weight, Is.EqualTo(1000), "the hot key stands alone");
        });
    }

    private sealed class FixedMovePlanner(PartitionId shard, DateTimeOffset startBy, TimeSpan duration) : IShardPlanner
    {
        public int Calls { get; private set; }

        public Task<ShardingPlan> PlanAsync(PlanningRequest request, CancellationToken cancellationToken)
        {
            Calls++;
            var summary = new UtilizationSummary(0, new NodeId("n0"), ResourceKind.Requests, 0);
            var partition = request.Cluster.GetPartition(shard);
            IReadOnlyList<ShardingAction> actions = partition.Node == new NodeId("n0")
                ? [new MoveAction(shard, new NodeId("n0"), new NodeId("n1"), partition.SizeBytes, startBy, duration, "test")]
                : [];
            return Task.FromResult(new ShardingPlan(true, actions, summary, summary, 0, TimeSpan.Zero));
        }
    }

    private sealed class RecordingPlanner : IShardPlanner
    {
        public PlanningRequest? Last { get; private set; }

        public Task<ShardingPlan> PlanAsync(PlanningRequest request, CancellationToken cancellationToken)
        {
            Last = request;
            var summary = new UtilizationSummary(0, new NodeId("n0"), ResourceKind.Requests, 0);
            return Task.FromResult(new ShardingPlan(true, [], summary, summary, 0, TimeSpan.Zero));
        }
    }

    private sealed class ConstantForecaster(double value, double? upper = null, double upperQuantile = 0.9) : ILoadForecaster
    {
        public string Name => "constant";

        public bool IsFitted => true;

        public Task FitAsync(LoadHistory history, IProgress<ForecasterProgress>? progress, CancellationToken cancellationToken) => Task.CompletedTask;

        public Task UpdateAsync(LoadHistory recent, CancellationToken cancellationToken) => Task.CompletedTask;

        public Task<LoadForecast> ForecastAsync(ForecastRequest request, CancellationToken cancellationToken)
        {
            // The median, and when given an upper value as the upper quantile (0.9 unless told).
            double[] step = upper is { } u ? [value, u] : [value];
            var partitions = request.History.Series.ToDictionary(
                s => s.Partition,
                s => (IReadOnlyDictionary<ResourceKind, QuantileSeries>)new Dictionary<ResourceKind, QuantileSeries> { [ResourceKind.Requests] = new QuantileSeries(request.Horizon, step.Length, Enumerable.Repeat(step, request.Horizon).SelectMany(x => x).ToArray()) });
            return Task.FromResult(new LoadForecast(request.History.Series[0].End, request.History.Step, upper is null ? [0.5] : [0.5, upperQuantile], partitions));
        }
    }
}
