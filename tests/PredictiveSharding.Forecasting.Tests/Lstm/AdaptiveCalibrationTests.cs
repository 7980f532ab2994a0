using PredictiveSharding.Forecasting.Lstm;
using PredictiveSharding.Telemetry;
using PredictiveSharding.Topology;

namespace PredictiveSharding.Forecasting.Tests.Lstm;

/// <summary>
/// Adaptive conformal calibration: a forecaster whose intervals became far too narrow (the noise tripled after
/// training) must be brought back to nominal coverage by the actuals alone, the median left alone, and idle partitions
/// whose loads tie with quantiles clamped at zero must not drag the levels away.
/// </summary>
public sealed class AdaptiveCalibrationTests
{
    private const int Horizon = 6;
    private static readonly float[] Levels = [0.1f, 0.5f, 0.9f, 0.99f];

    // z-scores of the levels: the quantiles of a normal distribution.
    private static readonly float[] Z = [-1.2816f, 0f, 1.2816f, 2.3263f];

    [Test]
    public void Observe_NoiseTripledAfterTraining_ReturnsCoverageToNominal()
    {
        // The "network" claims load 100 ± 5 (normal quantiles, scale 100); the actuals have a standard deviation of 15, so
        // its 80% interval covers about a third of them until the offsets catch up.
        var sut = new AdaptiveCalibration(0.05, Levels, Horizon);
        var random = new Random(3);
        var id = new PartitionId("p");
        var (early, late) = Run(sut, random, id, rounds: 600, claimedSd: 5, actualSd: 15, mean: 100);

        var offsets = sut.Offsets;
        TestContext.Out.WriteLine($"coverage80 first 50 rounds {early:F3}, last 300 rounds {late:F3}; offsets {string.Join(", ", offsets)}");
        Assert.That(early, Is.LessThan(0.6), "the shift must make the intervals too narrow for the test to mean anything");
        Assert.That(late, Is.InRange(0.75, 0.85));
        Assert.That(offsets[1], Is.Zero, "the median is not adapted");
        Assert.That(offsets[0], Is.LessThan(0));
        Assert.That(offsets[2], Is.GreaterThan(0));
    }

    [Test]
    public void Observe_IdlePartitionAtZeroBesideABusyOne_KeepsNominalCoverageAndBoundedOffsets()
    {
        // Half the points are an idle partition at zero whose quantiles are all zero (they tie with every level); the
        // other half a well-calibrated busy partition. Counting ties at lower levels as "below" would push those levels
        // down without end; as inside, the pooled coverage stays nominal.
        var sut = new AdaptiveCalibration(0.05, Levels, Horizon);
        var random = new Random(4);
        var busy = new PartitionId("busy");
        var idle = new PartitionId("idle");
        var busyValues = new List<double>();
        var idleValues = new List<double>();
        long inside = 0, points = 0;
        for (var round = 0; round < 400; round++)
        {
            var busyRow = NormalRow(claimedSd: 5, mean: 100);
            var idleRow = new float[Horizon * Levels.Length];
            sut.Apply(busyRow, 1);
            sut.Apply(idleRow, 1);
            var origin = Start + (Step * busyValues.Count);
            sut.Record(busy, origin, Step, busyRow, 100);
            sut.Record(idle, origin, Step, idleRow, 100);
            for (var h = 0; h < Horizon; h++)
            {
                var y = 100 + (5 * Gaussian(random));
                busyValues.Add(y);
                idleValues.Add(0);
                if (round >= 100)
                {
                    inside += Inside(y, busyRow, h, 100) ? 1 : 0;
                    inside += Inside(0, idleRow, h, 100) ? 1 : 0;
                    points += 2;
                }
            }

            sut.Observe([Tail(busy, busyValues), Tail(idle, idleValues)]);
        }

        var coverage = (double)inside / points;
        var offsets = sut.Offsets;
        TestContext.Out.WriteLine($"coverage80 {coverage:F3}; offsets {string.Join(", ", offsets)}");
        Assert.That(coverage, Is.InRange(0.75, 0.85));
        Assert.That(offsets, Has.All.InRange(-AdaptiveCalibration.MaxOffset + 0.01f, AdaptiveCalibration.MaxOffset - 0.01f));
    }

    [Test]
    public void Observe_StepsAlreadyScored_AreNotCountedTwice()
    {
        var sut = new AdaptiveCalibration(0.1, Levels, Horizon);
        var id = new PartitionId("p");
        var row = NormalRow(claimedSd: 1, mean: 10);
        sut.Record(id, Start, Step, row, 1);
        var values = Enumerable.Repeat(100.0, Horizon).ToList();

        Assert.That(sut.Observe([Series(id, Start, values.Take(2).ToList())]), Is.EqualTo(2));
        Assert.That(sut.Observe([Series(id, Start, values)]), Is.EqualTo(Horizon - 2));
        Assert.That(sut.Observe([Series(id, Start, values)]), Is.Zero);

        // Every actual was above every level: each non-median level rose by rate × τ per observation.
        Assert.That(sut.Offsets[0], Is.EqualTo(2 * 0.1 * 0.1).Within(1e-6));
        Assert.That(sut.Offsets[2], Is.EqualTo(2 * 0.1 * 0.9).Within(1e-6));
        Assert.That(sut.Offsets[1], Is.Zero);
    }

    [Test]
    public void Observe_ForecastsScoredInFullOrOfPartitionsGoneForGood_AreForgotten()
    {
        // Regression: every partition ever forecast kept its latest forecast for good, so a store whose splits made new
        // partition ids all the time grew the calibration by a forecast per id it had ever had.
        var sut = new AdaptiveCalibration(0.1, Levels, Horizon);
        var row = NormalRow(claimedSd: 1, mean: 10);
        for (var i = 0; i < 1000; i++)
        {
            sut.Record(new PartitionId("gone" + i.ToString(System.Globalization.CultureInfo.InvariantCulture)), Start, Step, row, 1);
        }

        var kept = new PartitionId("kept");
        sut.Record(kept, Start, Step, row, 1);
        var values = Enumerable.Repeat(10.0, 3 * Horizon).ToList();

        // A history that holds the kept partition's whole forecast and starts after the gone partitions' forecasts ended.
        Assert.That(sut.Observe([Series(kept, Start, values.Take(Horizon).ToList())]), Is.EqualTo(Horizon));
        sut.Observe([Series(kept, Start + (Step * (2 * Horizon)), values.Take(Horizon).ToList())]);

        Assert.That(sut.PendingCount, Is.Zero);
    }

    [Test]
    public void Observe_PartitionMissingFromAHistoryThatStartsBeforeItsForecastEnds_KeepsItsForecast()
    {
        var sut = new AdaptiveCalibration(0.1, Levels, Horizon);
        var row = NormalRow(claimedSd: 1, mean: 10);
        sut.Record(new PartitionId("later"), Start, Step, row, 1);

        sut.Observe([Series(new PartitionId("other"), Start, [10.0])]);

        Assert.That(sut.PendingCount, Is.EqualTo(1), "the partition's buckets may come in a later history");
        Assert.That(sut.Observe([Series(new PartitionId("later"), Start, Enumerable.Repeat(10.0, Horizon).ToList())]), Is.EqualTo(Horizon));
    }

    [Test]
    public void Apply_OneOffsetStep_WidensEachSideInProportionToItself()
    {
        // Two forecasts with the same 80% interval around 1 (0.8–1.2) but very different tails: a calm one (0.99 at 1.3)
        // and a bursty one (0.99 at 9). Every actual above every level raises each interval level by rate × τ, in units
        // of the level's distance from the median, so both 0.9 levels move by the same 0.09 × 0.2: in spreads the bursty
        // one's would have moved 8.2 / 0.5 = 16 times as far.
        var sut = new AdaptiveCalibration(0.1, Levels, 1);
        sut.Record(new PartitionId("p"), Start, Step, [0.8f, 1f, 1.2f, 1.3f], 1);
        sut.Observe([Series(new PartitionId("p"), Start, [100.0])]);
        float[] calm = [0.8f, 1f, 1.2f, 1.3f];
        float[] bursty = [0.8f, 1f, 1.2f, 9f];

        sut.Apply(calm, 1);
        sut.Apply(bursty, 1);

        Assert.That(calm[2], Is.EqualTo(1.2f + (0.1f * 0.9f * 0.2f)).Within(1e-6));
        Assert.That(bursty[2], Is.EqualTo(calm[2]).Within(1e-6), "the same interval moves the same way whatever the tail");
        Assert.That(calm[0], Is.EqualTo(0.8f + (0.1f * 0.1f * 0.2f)).Within(1e-6), "the lower side in units of its own distance");
        Assert.That(bursty[3], Is.EqualTo(9f + (0.1f * 0.99f * 8f)).Within(1e-5), "the tail in units of its own distance");
        Assert.That(calm[1], Is.EqualTo(1f), "the median stays");
    }

    [Test]
    public void Apply_LowerLevelOffsetPastTheMedian_LeavesTheMedianAndKeepsLevelsOrdered()
    {
        // Actuals far above every level raise every interval level by rate × τ per update: after twelve at rate 1 the
        // 0.1 level's offset is 1.2 of its distance to the median, so it would pass the median.
        // The median, which is never adapted, must stay where the network put it and the 0.1 level stop at it (a
        // running maximum from the lowest level carried the median up with it).
        var sut = new AdaptiveCalibration(1.0, Levels, Horizon);
        var id = new PartitionId("p");
        var values = new List<double>();
        for (var round = 0; round < 12; round++)
        {
            var issued = NormalRow(claimedSd: 1, mean: 10);
            sut.Apply(issued, 1);
            sut.Record(id, Start + (Step * values.Count), Step, issued, 1);
            values.AddRange(Enumerable.Repeat(100.0, Horizon));
            sut.Observe([Tail(id, values)]);
        }

        Assert.That(sut.Offsets[0], Is.EqualTo(1.2).Within(1e-5));
        var row = NormalRow(claimedSd: 1, mean: 10);
        var medians = Enumerable.Range(0, Horizon).Select(h => row[(h * Levels.Length) + 1]).ToArray();
        sut.Apply(row, 1);
        for (var h = 0; h < Horizon; h++)
        {
            var q = row.AsSpan(h * Levels.Length, Levels.Length).ToArray();
            Assert.That(q[1], Is.EqualTo(medians[h]), "the median is not moved by the other levels' offsets");
            Assert.That(q, Is.Ordered, "levels stay in order");
            Assert.That(q[0], Is.EqualTo(q[1]), "the 0.1 level stops at the median");
        }
    }

    private static readonly DateTimeOffset Start = new(2026, 1, 5, 0, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Step = TimeSpan.FromHours(1);

    private static (double Early, double Late) Run(AdaptiveCalibration sut, Random random, PartitionId id, int rounds, double claimedSd, double actualSd, double mean)
    {
        var values = new List<double>();
        long earlyInside = 0, earlyPoints = 0, lateInside = 0, latePoints = 0;
        for (var round = 0; round < rounds; round++)
        {
            var row = NormalRow(claimedSd, mean);
            sut.Apply(row, 1);
            sut.Record(id, Start + (Step * values.Count), Step, row, (float)mean);
            for (var h = 0; h < Horizon; h++)
            {
                var y = mean + (actualSd * Gaussian(random));
                values.Add(y);
                var inside = Inside(y, row, h, (float)mean) ? 1 : 0;
                if (round < 50)
                {
                    earlyInside += inside;
                    earlyPoints++;
                }
                else if (round >= rounds - 300)
                {
                    lateInside += inside;
                    latePoints++;
                }
            }

            sut.Observe([Tail(id, values)]);
        }

        return ((double)earlyInside / earlyPoints, (double)lateInside / latePoints);
    }

    // Scaled quantiles (scale = mean) of N(mean, sd) for every step.
    private static float[] NormalRow(double claimedSd, double mean)
    {
        var row = new float[Horizon * Levels.Length];
        for (var h = 0; h < Horizon; h++)
        {
            for (var k = 0; k < Levels.Length; k++)
            {
                row[(h * Levels.Length) + k] = (float)(1 + (Z[k] * claimedSd / mean));
            }
        }

        return row;
    }

    private static bool Inside(double y, float[] row, int h, float scale) =>
        y >= Math.Max(0, row[h * Levels.Length] * scale) && y <= Math.Max(0, row[(h * Levels.Length) + 2] * scale);

    // The history a host would pass: only the latest buckets (the series does not start at the first forecast).
    private static PartitionLoadSeries Tail(PartitionId id, List<double> values)
    {
        var from = Math.Max(0, values.Count - (2 * Horizon));
        return Series(id, Start + (Step * from), values.Skip(from).ToList());
    }

    private static PartitionLoadSeries Series(PartitionId id, DateTimeOffset start, IReadOnlyList<double> values) =>
        new(id, Step, values.Select((v, t) => LoadBucket.OfRequests(start + (Step * t), Math.Max(0, v))).ToArray());

    private static double Gaussian(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
