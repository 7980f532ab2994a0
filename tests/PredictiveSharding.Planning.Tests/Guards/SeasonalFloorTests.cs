using PredictiveSharding.Forecasting;
using PredictiveSharding.Planning.Guards;
using PredictiveSharding.Topology;

namespace PredictiveSharding.Planning.Tests.Guards;

public class SeasonalFloorTests
{
    [Test]
    public void DetectPeriod_FindsATimerLongerThanTheContext()
    {
        // Quiet at 2-3 requests, firing 100-130 at the second step of every 30.
        var history = Timer(steps: 200, period: 30, phase: 1);

        Assert.That(SeasonalFloor.DetectPeriod(history, window: 512, minPeriod: 25), Is.EqualTo(30));
    }

    [Test]
    public void DetectPeriod_FindsNoneInATrendNoiseOrAOneOffSurge()
    {
        var trend = Enumerable.Range(0, 200).Select(i => 10.0 + i).ToArray();
        var random = new Random(7);
        var noise = Enumerable.Range(0, 200).Select(_ => 10.0 + (5 * random.NextDouble())).ToArray();
        var surge = Enumerable.Range(0, 200).Select(i => i is >= 150 and < 153 ? 100.0 : 2 + random.NextDouble()).ToArray();

        Assert.Multiple(() =>
        {
            Assert.That(SeasonalFloor.DetectPeriod(trend, 512, 25), Is.Zero, "a trend repeats no phase");
            Assert.That(SeasonalFloor.DetectPeriod(noise, 512, 25), Is.Zero, "no lag explains noise better than another");
            Assert.That(SeasonalFloor.DetectPeriod(surge, 512, 25), Is.Zero, "a surge that happened once has no period");
            Assert.That(SeasonalFloor.DetectPeriod(Timer(200, 30, 1), 512, 45), Is.Zero, "shorter than the shortest period asked for: the forecaster's job");
            Assert.That(SeasonalFloor.DetectPeriod(Timer(100, 30, 1), 512, 25), Is.Zero, "100 steps hold too few periods of 25 or more to tell one from chance");
        });
    }

    [Test]
    public void FloorAt_IsTheLeastLoadAtThatPhaseInEachOfTheLastThreePeriods()
    {
        // Period 10, 40 steps: the next step (40) has phase 0, which fired 50, 80 and 60 at steps 30, 20 and 10.
        var history = new double[40];
        history[10] = 60;
        history[20] = 80;
        history[30] = 50;
        history[31] = 7;

        Assert.Multiple(() =>
        {
            Assert.That(SeasonalFloor.FloorAt(history, period: 10, h: 0), Is.EqualTo(50));
            Assert.That(SeasonalFloor.FloorAt(history, period: 10, h: 1), Is.Zero, "phase 1 was quiet in two of the three periods");
            Assert.That(SeasonalFloor.FloorAt(history, period: 15, h: 0), Is.Zero, "three periods of 15 reach before step 0");
        });
    }

    [Test]
    public void Apply_RaisesTheMedianAndAboveOfAPeriodicPartitionOnly()
    {
        // p000 fires every 30 steps (the next step, 210, is a firing: phase 0); p001 is steady at 3. The forecaster says 5.
        var timer = Timer(steps: 210, period: 30, phase: 0);
        var p0 = new PartitionId("p000");
        var p1 = new PartitionId("p001");
        var partitions = new Dictionary<PartitionId, GuardedPartition>
        {
            [p0] = new(p0, timer, 1000),
            [p1] = new(p1, Enumerable.Repeat(3.0, 210).ToArray(), 1000),
        };
        var forecast = GuardForecasts.Constant([p0, p1], [0.1, 0.5, 0.99], 5);

        var floored = SeasonalFloor.Apply(partitions, forecast, window: 512, minPeriod: 25, out var count);

        var expected = Math.Min(timer[180], Math.Min(timer[150], timer[120]));
        Assert.Multiple(() =>
        {
            Assert.That(count, Is.EqualTo(1));
            Assert.That(expected, Is.GreaterThan(100), "the firings, not the quiet level");
            Assert.That(floored.ValueAt(p0, ResourceKind.Requests, 0, 0.5), Is.EqualTo(expected));
            Assert.That(floored.ValueAt(p0, ResourceKind.Requests, 0, 0.99), Is.EqualTo(expected));
            Assert.That(floored.ValueAt(p0, ResourceKind.Requests, 0, 0.1), Is.EqualTo(5), "below the median the forecaster's stays");
            Assert.That(floored.ValueAt(p0, ResourceKind.Requests, 1, 0.5), Is.EqualTo(5), "a quiet phase: the forecast is above its floor");
            Assert.That(floored.ValueAt(p1, ResourceKind.Requests, 0, 0.5), Is.EqualTo(5), "no period: unchanged");
        });
    }

    /// <summary>2-3 requests a step (seeded noise), and 100-130 at every step of the given phase of the period.</summary>
    private static double[] Timer(int steps, int period, int phase)
    {
        var random = new Random(11);
        return Enumerable.Range(0, steps).Select(i => i % period == phase ? 100.0 + (30 * random.NextDouble()) : 2 + random.NextDouble()).ToArray();
    }
}
