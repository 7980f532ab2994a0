using PredictiveSharding.Simulation.Cluster;
using PredictiveSharding.Simulation.Strategies.Planned;

namespace PredictiveSharding.Simulation.Tests;

/// <summary>The burst bound end to end: the predictive strategy's rebalancer with the genetic planner on a small cluster.</summary>
public class BurstAwarePlanningTests
{
    private static readonly PlannedSettings Settings = new(HorizonSteps: 3, PlanEverySteps: 1, FineTuneEverySteps: 100, HistoryWindowSteps: 50, UtilizationThreshold: 0.9, PlanningQuantile: 0.5, MaxKeySamples: 48, CorrectMeasuredOverload: false, BurstAware: true);

    [Test]
    public async Task APartitionThatCanBurstPastItsNodeIsSplitBeforeTheBurst()
    {
        // Two nodes of capacity 100, four partitions of two keys, round robin: n0 holds p000 (10) and p002 (30), n1 holds
        // p001 (30) and p003 (10). At step 3 p001 tripled for one step (30 → 90), so loads of 30% of a node have been seen to
        // triple: p002 could reach 90, and with p000 its node 120, over capacity, although the median forecast (40) is far
        // under the threshold. The plan splits p002 (and p001, which showed it can) so that the pieces can be spread.
        var (cluster, _) = await PlanOnceAsync(surge: true);

        Assert.Multiple(() =>
        {
            Assert.That(cluster.Find(new("p002")), Is.Null, "p002 was split");
            Assert.That(cluster.Partitions.Count(p => p.Id.Value.StartsWith("p002", StringComparison.Ordinal)), Is.GreaterThanOrEqualTo(2));
            Assert.That(cluster.Find(new("p000")), Is.Not.Null, "p000 (10, at most 30 when tripled) is left whole");
            Assert.That(cluster.Find(new("p003")), Is.Not.Null);
        });
    }

    [Test]
    public async Task ASteadyClusterIsLeftAlone()
    {
        // The same cluster without the surge: no growth was ever seen, the bound equals the forecast, nothing is done.
        var (cluster, rebalancer) = await PlanOnceAsync(surge: false);

        Assert.Multiple(() =>
        {
            Assert.That(rebalancer.Plans, Is.EqualTo(1));
            Assert.That(cluster.Partitions.Select(p => p.Id.Value), Is.EqualTo(new[] { "p000", "p001", "p002", "p003" }));
            Assert.That(cluster.RunningMoves, Is.Empty);
            Assert.That(cluster.Metrics.Moves, Is.Zero);
        });
    }

    private static async Task<(ClusterModel Cluster, PlannedRebalancer Rebalancer)> PlanOnceAsync(bool surge)
    {
        const int steps = 12;
        double[] Key(double perStep, int surgeStep = -1) => Enumerable.Range(0, steps).Select(s => s == surgeStep ? perStep * 3 : perStep).ToArray();
        var loads = TestTraces.Minutes(
            Key(5), Key(5),
            Key(15, surge ? 3 : -1), Key(15, surge ? 3 : -1),
            Key(15), Key(15),
            Key(5), Key(5));
        var cluster = new ClusterModel(loads, new ClusterSetup(2, 100, 4, 1, 1000, 0, 4, 0, 0));
        var context = new SimulationContext(loads.Step, steps, 0, loads.KeyCount, Settings.HorizonSteps, Seed: 1);
        var planner = DefaultComponents.CreatePlanner(context, peakFloor: 0, splitOnOverflowQuantile: true);
        var rebalancer = new PlannedRebalancer(StrategyNames.Predictive, new UpperQuantileLastValueForecaster(), planner, Settings, TimeProvider.System);
        for (var s = 0; s < 10; s++)
        {
            cluster.Advance();
        }

        await rebalancer.BeforeStepAsync(cluster, CancellationToken.None);
        return (cluster, rebalancer);
    }
}
