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
    [Test]
    public void Scan_WithALevelOfThreeSteps_MeasuresEachStepAgainstTheMedianBeforeIt()
    {
        // Capacity 100, loads 10 → 10 → 30 → 40. From the last load the largest growth is 30 / 10 = 3 (and 40 / 30 from
        // 30%); from the median of up to three steps before, the last step is 40 over median(10, 10, 30) = 10: 4×.
        var fromLast = new GrowthEnvelope();
        BurstFloor.Scan(new GuardedPartition(P0, [10, 10, 30, 40], 100), fromStep: 0, fromLast);
        var fromLevel = new GrowthEnvelope();
        BurstFloor.Scan(new GuardedPartition(P0, [10, 10, 30, 40], 100), fromStep: 0, fromLevel, levelSteps: 3);

        Assert.Multiple(() =>
        {
            Assert.That(fromLast.At(0.1), Is.EqualTo(3));
            Assert.That(fromLast.At(0.3), Is.EqualTo(40.0 / 30), "from the last load, 30 grew to 40");
            Assert.That(fromLevel.At(0.1), Is.EqualTo(4), "40 over the level 10 of the three steps before it");
            Assert.That(fromLevel.At(0.3), Is.EqualTo(4), "no level reached 30%, so the nearest evidence answers");
        });
    }

    [Test]
    public void Scan_WhenNoneOfTheHistoryIsThePartitionsOwn_LearnsNothingEvenAtTheLargestOwnFrom()
    {
        // OwnFrom past the loads says every step is inherited; at int.MaxValue, OwnFrom + 1 wrapped round to int.MinValue
        // and the whole inherited 10 → 40 was learnt as the partition's own growth.
        var envelope = new GrowthEnvelope();

        BurstFloor.Scan(new GuardedPartition(P0, [10, 40, 60], 100) { OwnFrom = int.MaxValue }, fromStep: 0, envelope);

        Assert.That(envelope.IsEmpty, Is.True);
    }

    [Test]
    public void Scan_WithALevel_TakesItFromThePartitionsOwnStepsOnly()
    {
        // A split child: the parent's 100s before OwnFrom = 2 are not its level; its own 10 then grew to 30.
        var envelope = new GrowthEnvelope();

        BurstFloor.Scan(new GuardedPartition(P0, [100, 100, 10, 30], 100) { OwnFrom = 2 }, fromStep: 0, envelope, levelSteps: 3);

        Assert.That(envelope.At(0.1), Is.EqualTo(3));
    }

    [Test]
    public void Apply_WithALevelOfThreeSteps_GrowsTheMedianRatherThanALastStepSpike()
    {
        // 20, 20, then a one-step spike to 60; 2× growth was seen from 20% of a node. From the last load the bound is
        // 60 × 2 (nothing larger was seen to grow); from the median of the last three steps it is 20 × 2.
        var partitions = new Dictionary<PartitionId, GuardedPartition> { [P0] = new(P0, [20, 20, 60], 100) };
        var forecast = GuardForecasts.Constant([P0], [0.5, 0.99], 10, steps: 2);
        var envelope = new GrowthEnvelope();
        envelope.Add(0.2, 2);

        var fromLast = BurstFloor.Apply(partitions, forecast, envelope);
        var fromLevel = BurstFloor.Apply(partitions, forecast, envelope, levelSteps: 3);

        Assert.Multiple(() =>
        {
            Assert.That(fromLast.ValueAt(P0, ResourceKind.Requests, 1, 0.99), Is.EqualTo(120));
            Assert.That(fromLevel.ValueAt(P0, ResourceKind.Requests, 1, 0.99), Is.EqualTo(40));
            Assert.That(fromLevel.ValueAt(P0, ResourceKind.Requests, 1, 0.5), Is.EqualTo(10), "the median stays the forecaster's");
        });
    }

    [TestCase(new double[] { 5 }, 4, 5)]
    [TestCase(new double[] { 1, 9, 3, 7 }, 4, 5)]
    [TestCase(new double[] { 1, 9, 3, 7 }, 3, 7)]
    [TestCase(new double[] { 1, 9, 3, 7 }, 1, 7)]
    public void Level_IsTheMedianOfTheLastSteps(double[] loads, int steps, double expected) =>
        Assert.That(BurstFloor.Level(loads, loads.Length, ownFrom: 0, steps), Is.EqualTo(expected));

    [Test]
    public void ScanAndApply_RejectALevelOfNoSteps()
    {
        Assert.Multiple(() =>
        {
            Assert.That(() => BurstFloor.Scan(new GuardedPartition(P0, [1, 2], 100), 0, new GrowthEnvelope(), levelSteps: 0), Throws.TypeOf<ArgumentOutOfRangeException>());
            Assert.That(() => BurstFloor.Apply(Partitions(), GuardForecasts.Constant([P0], [0.99], 1), new GrowthEnvelope(), levelSteps: 0), Throws.TypeOf<ArgumentOutOfRangeException>());
        });
    }

    private static Dictionary<PartitionId, GuardedPartition> Partitions() => new()
    {
        [P0] = new(P0, [10, 40, 20], 100),
        [P1] = new(P1, [1, 30, 30], 100),
    };
}
