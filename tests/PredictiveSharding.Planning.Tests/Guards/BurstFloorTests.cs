using PredictiveSharding.Forecasting;
using PredictiveSharding.Planning.Guards;
using PredictiveSharding.Topology;

namespace PredictiveSharding.Planning.Tests.Guards;

public class BurstFloorTests
{
    private static readonly PartitionId P0 = new("p000");
    private static readonly PartitionId P1 = new("p001");

    [Test]
    public void Scan_RecordsGrowthFromAMeaningfulBaseOnly_ByTheSizeOfTheBase()
    {
        // Capacity 100: p000 10 → 40 → 20 (4× from 10% of capacity, then 0.5×); p001 1 → 30 → 30 (30× from 1%: ignored).
        var envelope = new GrowthEnvelope();

        BurstFloor.Scan(new GuardedPartition(P0, [10, 40, 20], 100), fromStep: 0, envelope);
        BurstFloor.Scan(new GuardedPartition(P1, [1, 30, 30], 100), fromStep: 0, envelope);

        Assert.Multiple(() =>
        {
            Assert.That(envelope.At(0.1), Is.EqualTo(4), "the 4× jump started at 10% of a node");
            Assert.That(envelope.At(0.3), Is.EqualTo(1), "from 30% of a node nothing grew (30 → 30)");
            Assert.That(envelope.At(0.02), Is.EqualTo(4), "smaller loads are judged by the growth of larger ones too, not by the 30× trickle");
        });
    }

    [Test]
    public void Scan_SkipsStepsBeforeThePartitionsOwnAndBeforeFrom()
    {
        // 10 → 40 is 4× but lies before the partition's own history (a split child's inherited past); 40 → 60 is 1.5×.
        var inherited = new GrowthEnvelope();
        BurstFloor.Scan(new GuardedPartition(P0, [10, 40, 60], 100) { OwnFrom = 1 }, fromStep: 0, inherited);
        var scanned = new GrowthEnvelope();
        BurstFloor.Scan(new GuardedPartition(P0, [10, 40, 60], 100), fromStep: 2, scanned);

        Assert.Multiple(() =>
        {
            Assert.That(inherited.At(0.1), Is.EqualTo(1.5));
            Assert.That(scanned.At(0.1), Is.EqualTo(1.5), "steps before from were scanned already");
        });
    }

    [Test]
    public void Apply_RaisesOnlyTheUpperQuantileToTheLastLoadTimesTheGrowthFromThatLoad()
    {
        // Last loads 20 and 30 (capacity 100); growth 4× was seen from 10% and 2× from 25%: both are judged by the 2×, the
        // growth seen from loads at least about as large (bins are a factor √2 wide), not by the 4× of a smaller load.
        var partitions = Partitions();
        var forecast = GuardForecasts.Constant([P0, P1], [0.5, 0.9, 0.99], 25, steps: 2);
        var envelope = new GrowthEnvelope();
        envelope.Add(0.1, 4);
        envelope.Add(0.25, 2);

        var bounded = BurstFloor.Apply(partitions, forecast, envelope);

        Assert.Multiple(() =>
        {
            Assert.That(bounded.ValueAt(P0, ResourceKind.Requests, 0, 0.99), Is.EqualTo(40), "last load 20 × 2");
            Assert.That(bounded.ValueAt(P1, ResourceKind.Requests, 0, 0.99), Is.EqualTo(60), "last load 30 × 2");
            Assert.That(bounded.ValueAt(P0, ResourceKind.Requests, 0, 0.5), Is.EqualTo(25), "the median stays the forecaster's");
            Assert.That(bounded.ValueAt(P0, ResourceKind.Requests, 0, 0.9), Is.EqualTo(25));
        });
    }

    [Test]
    public void Apply_LeavesAForecastWithoutAnUpperQuantileOrWithoutGrowthSeenAlone()
    {
        var partitions = Partitions();
        var envelope = new GrowthEnvelope();

        var empty = GuardForecasts.Constant([P0, P1], [0.5, 0.99], 25, steps: 2);
        Assert.That(BurstFloor.Apply(partitions, empty, envelope), Is.SameAs(empty), "no growth seen yet: nothing to bound by");

        envelope.Add(0.1, 4);
        var medianOnly = GuardForecasts.Constant([P0, P1], [0.5], 25, steps: 2);
        Assert.That(BurstFloor.Apply(partitions, medianOnly, envelope), Is.SameAs(medianOnly));
    }

    /// <summary>p000 10 → 40 → 20 and p001 1 → 30 → 30, on nodes of capacity 100.</summary>
    private static Dictionary<PartitionId, GuardedPartition> Partitions() => new()
    {
        [P0] = new(P0, [10, 40, 20], 100),
        [P1] = new(P1, [1, 30, 30], 100),
    };
}
