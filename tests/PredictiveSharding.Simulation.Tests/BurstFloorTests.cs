using PredictiveSharding.Forecasting;
using PredictiveSharding.Simulation.Cluster;
using PredictiveSharding.Simulation.Strategies.Planned;
using PredictiveSharding.Topology;

namespace PredictiveSharding.Simulation.Tests;

public class BurstFloorTests
{
    [Test]
    public void Scan_RecordsGrowthFromAMeaningfulBaseOnly_ByTheSizeOfTheBase()
    {
        // Capacity 100: p000 10 → 40 → 20 (4× from 10% of capacity, then 0.5×); p001 1 → 30 → 30 (30× from 1%: ignored).
        var cluster = Replayed([10, 40, 20], [1, 30, 30], steps: 3);
        var envelope = new GrowthEnvelope();

        BurstFloor.Scan(cluster, fromStep: 0, envelope);

        Assert.Multiple(() =>
        {
            Assert.That(envelope.At(0.1), Is.EqualTo(4), "the 4× jump started at 10% of a node");
            Assert.That(envelope.At(0.3), Is.EqualTo(1), "from 30% of a node nothing grew (30 → 30)");
            Assert.That(envelope.At(0.02), Is.EqualTo(4), "smaller loads are judged by the growth of larger ones too, not by the 30× trickle");
        });
    }

    [Test]
    public void Apply_RaisesOnlyTheUpperQuantileToTheLastLoadTimesTheGrowthFromThatLoad()
    {
        // Last loads 20 and 30 (capacity 100); growth 4× was seen from 10% and 2× from 25%: both are judged by the 2×, the
        // growth seen from loads at least about as large (bins are a factor √2 wide), not by the 4× of a smaller load.
        var cluster = Replayed([10, 40, 20], [1, 30, 30], steps: 3);
        var forecast = Constant(cluster, [0.5, 0.9, 0.99], 25);
        var envelope = new GrowthEnvelope();
        envelope.Add(0.1, 4);
        envelope.Add(0.25, 2);

        var bounded = BurstFloor.Apply(cluster, forecast, envelope);

        var p0 = new PartitionId("p000");
        var p1 = new PartitionId("p001");
        Assert.Multiple(() =>
        {
            Assert.That(bounded.ValueAt(p0, ResourceKind.Requests, 0, 0.99), Is.EqualTo(40), "last load 20 × 2");
            Assert.That(bounded.ValueAt(p1, ResourceKind.Requests, 0, 0.99), Is.EqualTo(60), "last load 30 × 2");
            Assert.That(bounded.ValueAt(p0, ResourceKind.Requests, 0, 0.5), Is.EqualTo(25), "the median stays the forecaster's");
            Assert.That(bounded.ValueAt(p0, ResourceKind.Requests, 0, 0.9), Is.EqualTo(25));
        });
    }

    [Test]
    public void Apply_LeavesAForecastWithoutAnUpperQuantileOrWithoutGrowthSeenAlone()
    {
        var cluster = Replayed([10, 40, 20], [1, 30, 30], steps: 3);
        var envelope = new GrowthEnvelope();

        var empty = Constant(cluster, [0.5, 0.99], 25);
        Assert.That(BurstFloor.Apply(cluster, empty, envelope), Is.SameAs(empty), "no growth seen yet: nothing to bound by");

        envelope.Add(0.1, 4);
        var medianOnly = Constant(cluster, [0.5], 25);
        Assert.That(BurstFloor.Apply(cluster, medianOnly, envelope), Is.SameAs(medianOnly));
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
