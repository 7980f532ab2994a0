using PredictiveSharding.Forecasting;
using PredictiveSharding.Simulation.Cluster;
using PredictiveSharding.Simulation.Strategies.Planned;
using PredictiveSharding.Topology;

namespace PredictiveSharding.Simulation.Tests;

public class BurstFloorTests
{
    [Test]
    public void GrowthRatio_KeepsTheLargestGrowthFromAMeaningfulBase()
    {
        // Capacity 100: p000 grows 10 → 40 (4×, from 10% of capacity); p001 grows 1 → 30 (30×, but from 1%: ignored).
        var cluster = Replayed([10, 40, 20], [1, 30, 30], steps: 3);

        var ratio = BurstFloor.GrowthRatio(cluster, fromStep: 0);

        Assert.Multiple(() =>
        {
            Assert.That(ratio, Is.EqualTo(4));
            Assert.That(BurstFloor.GrowthRatio(cluster, fromStep: 2), Is.EqualTo(1), "no growth from a meaningful base after step 2");
            Assert.That(BurstFloor.GrowthRatio(cluster, fromStep: 2, seen: ratio), Is.EqualTo(4), "a growth once seen is kept");
        });
    }

    [Test]
    public void Apply_RaisesOnlyTheUpperQuantileToTheLastLoadTimesTheGrowth()
    {
        var cluster = Replayed([10, 40, 20], [1, 30, 30], steps: 3);
        var forecast = Constant(cluster, [0.5, 0.9, 0.99], 25);

        var bounded = BurstFloor.Apply(cluster, forecast, growth: 4);

        var p0 = new PartitionId("p000");
        var p1 = new PartitionId("p001");
        Assert.Multiple(() =>
        {
            Assert.That(bounded.ValueAt(p0, ResourceKind.Requests, 0, 0.99), Is.EqualTo(80), "last load 20 × 4");
            Assert.That(bounded.ValueAt(p1, ResourceKind.Requests, 0, 0.99), Is.EqualTo(120), "last load 30 × 4");
            Assert.That(bounded.ValueAt(p0, ResourceKind.Requests, 0, 0.5), Is.EqualTo(25), "the median stays the forecaster's");
            Assert.That(bounded.ValueAt(p0, ResourceKind.Requests, 0, 0.9), Is.EqualTo(25));
        });
    }

    [Test]
    public void Apply_LeavesAForecastWithoutAnUpperQuantileAlone()
    {
        var cluster = Replayed([10, 40, 20], [1, 30, 30], steps: 3);
        var forecast = Constant(cluster, [0.5], 25);

        Assert.That(BurstFloor.Apply(cluster, forecast, growth: 4), Is.SameAs(forecast));
    }

    /// <summary>Two keys, one partition each on two nodes of capacity 100, replayed to the end.</summary>
    private static ClusterModel Replayed(double[] first, double[] second, int steps)
    {
        var cluster = new ClusterModel(TestTraces.Minutes(first, second), new ClusterSetup(2, 100, 2, 1, 1000, 0, 4, 0, 0));
        for (var s = 0; s < steps; s++)
        {
            cluster.Advance();
        }

        return cluster;
    }

    private static LoadForecast Constant(ClusterModel cluster, double[] quantiles, double value)
    {
        var series = new Dictionary<PartitionId, IReadOnlyDictionary<ResourceKind, QuantileSeries>>();
        foreach (var partition in cluster.Partitions)
        {
            series[partition.Id] = new Dictionary<ResourceKind, QuantileSeries> { [ResourceKind.Requests] = new QuantileSeries(2, quantiles.Length, Enumerable.Repeat(value, 2 * quantiles.Length).ToArray()) };
        }

        return new LoadForecast(TestTraces.Start, TimeSpan.FromMinutes(1), quantiles, series);
    }
}
