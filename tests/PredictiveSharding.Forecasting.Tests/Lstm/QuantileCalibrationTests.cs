using PredictiveSharding.Forecasting.Lstm;

namespace PredictiveSharding.Forecasting.Tests.Lstm;

/// <summary>
/// Split-conformal recalibration: offsets fitted on one sample of a miscalibrated forecaster must give about nominal
/// coverage on a fresh sample of the same process, and never let quantiles cross.
/// </summary>
public sealed class QuantileCalibrationTests
{
    private static readonly double[] Levels = [0.1, 0.5, 0.9, 0.99];

    // Index of the median level in Levels.
    private const int Median = 1;

    [TestCase(0.3)]
    [TestCase(3.0)]
    public void Fit_OverOrUnderConfidentQuantiles_GivesNominalCoverageOnFreshData(double claimedSpread)
    {
        // Targets: level 5 plus standard normal noise. The "model" claims quantiles of a normal with the wrong spread
        // and a bias, so uncalibrated its 80% interval covers far too little (0.3) or too much (3.0).
        const int horizon = 6;
        var (calibrationQ, calibrationY) = Sample(new Random(1), 400, horizon, claimedSpread);
        var offsets = QuantileCalibration.Fit(calibrationQ, calibrationY, Levels, horizon);

        var (testQ, testY) = Sample(new Random(2), 4000, horizon, claimedSpread);
        var before = Coverage(testQ, testY);
        var belowMedianBefore = Below(testQ, testY, 1);
        for (var w = 0; w < testY.Length / horizon; w++)
        {
            QuantileCalibration.Apply(offsets, testQ.AsSpan(w * horizon * Levels.Length, horizon * Levels.Length), horizon, Median);
        }

        var after = Coverage(testQ, testY);
        var belowMedian = Below(testQ, testY, 1);
        TestContext.Out.WriteLine($"coverage80 before {before:F3}, after {after:F3}; share below the median {belowMedianBefore:F3} → {belowMedian:F3}");
        Assert.That(Math.Abs(before - 0.8), Is.GreaterThan(0.1), "the uncalibrated sample must be off for the test to mean anything");
        Assert.That(after, Is.InRange(0.77, 0.83));

        // The median is the point forecast and is left where the network put it (biased by 0.4 here).
        Assert.That(offsets.Where((_, i) => i % Levels.Length == 1), Is.All.EqualTo(0f));
        Assert.That(belowMedian, Is.EqualTo(belowMedianBefore));
    }

    [Test]
    public void Apply_OffsetsThatWouldCrossLevels_KeepsEachStepMonotoneOutwardsFromTheMedian()
    {
        // Both steps have a spread (highest − lowest level) of 3, so the offsets move the levels by 3× their value. The
        // 0.1 level raised past the median is held at the median, and the 0.99 level lowered past the 0.9 at the 0.9.
        float[] row = [1f, 2f, 3f, 4f, 10f, 11f, 12f, 13f];
        QuantileCalibration.Apply([0.5f, 0f, 0f, -5f, 0f, 0f, 0f, 1f], row, horizon: 2, Median);
        Assert.That(row, Is.EqualTo(new[] { 2f, 2f, 3f, 3f, 10f, 11f, 12f, 16f }));
    }

    [Test]
    public void Apply_ALowestLevelRaisedPastTheMedian_LeavesTheMedianAsTrained()
    {
        // A held-out tail above the network's median gives the 0.1 level a large offset. Before, a running maximum from
        // the lowest level carried the median (the point forecast) up with it: 0.5 became 1.5.
        float[] row = [0f, 0.5f, 1f, 1.5f];
        QuantileCalibration.Apply([1f, 0f, 0.2f, 0.3f], row, horizon: 1, Median);
        Assert.That(row, Is.EqualTo(new[] { 0.5f, 0.5f, 1.3f, 1.95f }).Within(1e-6f));
    }

    [Test]
    public void Apply_WithoutAMedianLevel_KeepsTheRunningMaximumFromTheLowestLevel()
    {
        float[] row = [0f, 1f, 2f];
        QuantileCalibration.Apply([1f, -1f, 0f], row, horizon: 1, median: -1);
        Assert.That(row, Is.EqualTo(new[] { 2f, 2f, 2f }));
    }

    [Test]
    public void Fit_NoiseGrowingWithTheStep_GivesNominalCoverageAtTheFirstAndLastStep()
    {
        // The "model" claims the same spread at every step while the true noise grows 1 → 4 over the horizon: pooled
        // offsets would leave the first steps too wide and the last too narrow; per-step offsets fix both ends.
        const int horizon = 12;
        var (calibrationQ, calibrationY) = Sample(new Random(4), 2000, horizon, 1.0, step => 1 + (3.0 * step / (horizon - 1)));
        var offsets = QuantileCalibration.Fit(calibrationQ, calibrationY, Levels, horizon);
        var (testQ, testY) = Sample(new Random(5), 4000, horizon, 1.0, step => 1 + (3.0 * step / (horizon - 1)));
        for (var w = 0; w < testY.Length / horizon; w++)
        {
            QuantileCalibration.Apply(offsets, testQ.AsSpan(w * horizon * Levels.Length, horizon * Levels.Length), horizon, Median);
        }

        var first = Coverage(testQ, testY, i => i % horizon == 0);
        var last = Coverage(testQ, testY, i => i % horizon == horizon - 1);
        TestContext.Out.WriteLine($"coverage80 at the first step {first:F3}, at the last {last:F3}");
        Assert.That(first, Is.InRange(0.75, 0.85));
        Assert.That(last, Is.InRange(0.75, 0.85));
    }

    [Test]
    public void Fit_CalmAndBurstySeriesTogether_GivesEachNominalCoverage()
    {
        // Half the windows are 5× noisier, and the model's spread says so but is too narrow for both by the same factor.
        // Scores relative to the spread give each its own margin; additive ones would let the bursty half set both.
        const int horizon = 6;
        var (calibrationQ, calibrationY) = Mixed(new Random(6), 2000, horizon);
        var offsets = QuantileCalibration.Fit(calibrationQ, calibrationY, Levels, horizon);
        var (testQ, testY) = Mixed(new Random(7), 4000, horizon);
        var beforeCalm = Coverage(testQ, testY, i => i / horizon % 2 == 0);
        for (var w = 0; w < testY.Length / horizon; w++)
        {
            QuantileCalibration.Apply(offsets, testQ.AsSpan(w * horizon * Levels.Length, horizon * Levels.Length), horizon, Median);
        }

        var calm = Coverage(testQ, testY, i => i / horizon % 2 == 0);
        var bursty = Coverage(testQ, testY, i => i / horizon % 2 == 1);
        TestContext.Out.WriteLine($"coverage80 calm {beforeCalm:F3} → {calm:F3}, bursty → {bursty:F3}");
        Assert.That(beforeCalm, Is.LessThan(0.5), "the uncalibrated intervals must be too narrow for the test to mean anything");
        Assert.That(calm, Is.InRange(0.75, 0.85));
        Assert.That(bursty, Is.InRange(0.75, 0.85));
    }

    [TestCase(9, 0.25, 2)]
    [TestCase(9, 0.75, 8)]
    [TestCase(204, 0.1, 20)]
    [TestCase(204, 0.9, 185)]
    [TestCase(9, 0.1, 1)]
    [TestCase(9, 0.9, 9)]
    [TestCase(5, 0.01, 1)]
    [TestCase(5, 0.99, 5)]
    public void ConformalRank_ErrsOutwardsOnBothSidesOfTheMedian(int n, double level, int expected)
    {
        Assert.That(QuantileCalibration.ConformalRank(n, level), Is.EqualTo(expected));
    }

    [Test]
    public void Fit_ExactScores_TakesTheLowerLevelsOffsetFromBelowAndTheUpperLevelsFromAbove()
    {
        // One step, 204 windows: targets 0, 1, …, 203 against quantiles −1, 0, 1, 2 (spread 3), so level k's sorted scores
        // are (i − q_k) ÷ 3. (n + 1)τ is 20.5 at 0.1 and 184.5 at 0.9: the 0.1 offset is the 20th score, the 0.9 offset the
        // 185th. The calibrated 0.1 level is then 19, with 19 targets below it (at most 0.1 × (n + 1)); the 21st score (the
        // old rank for every level) would put 20 there. The 0.9 level is 184, with 185 targets at or below it.
        const int n = 204;
        var q = new float[n * Levels.Length];
        var y = new float[n];
        for (var i = 0; i < n; i++)
        {
            y[i] = i;
            for (var k = 0; k < Levels.Length; k++)
            {
                q[(i * Levels.Length) + k] = k - 1;
            }
        }

        var offsets = QuantileCalibration.Fit(q, y, Levels, horizon: 1);

        Assert.That(offsets[0], Is.EqualTo((19f - -1f) / 3f));
        Assert.That(offsets[Median], Is.Zero);
        Assert.That(offsets[2], Is.EqualTo((184f - 1f) / 3f));
        var lower = q[0] + (offsets[0] * 3);
        var upper = q[2] + (offsets[2] * 3);
        Assert.That(y.Count(v => v < lower), Is.EqualTo(19));
        Assert.That(y.Count(v => v <= upper), Is.EqualTo(185));
    }

    [Test]
    public void Fit_TooFewPoints_ReturnsZeroOffsets()
    {
        var (q, y) = Sample(new Random(3), 4, 6, 0.3);
        Assert.That(QuantileCalibration.Fit(q, y, Levels, 6), Is.All.EqualTo(0f));
    }

    // Windows alternate between noise 1 and 5; the claimed spread is 0.3 × each window's true one.
    private static (float[] Quantiles, float[] Targets) Mixed(Random random, int windows, int horizon)
    {
        var q = new float[windows * horizon * Levels.Length];
        var y = new float[windows * horizon];
        for (var i = 0; i < y.Length; i++)
        {
            var sd = i / horizon % 2 == 0 ? 1.0 : 5.0;
            y[i] = (float)(20 + (sd * Normal(random)));
            for (var k = 0; k < Levels.Length; k++)
            {
                q[(i * Levels.Length) + k] = (float)(20 + (0.3 * sd * NormalQuantile(Levels[k])));
            }
        }

        return (q, y);
    }

    private static (float[] Quantiles, float[] Targets) Sample(Random random, int windows, int horizon, double claimedSpread, Func<int, double>? noise = null)
    {
        var q = new float[windows * horizon * Levels.Length];
        var y = new float[windows * horizon];
        for (var i = 0; i < y.Length; i++)
        {
            y[i] = (float)(5 + ((noise?.Invoke(i % horizon) ?? 1) * Normal(random)));
            for (var k = 0; k < Levels.Length; k++)
            {
                q[(i * Levels.Length) + k] = (float)(5.4 + (claimedSpread * NormalQuantile(Levels[k])));
            }
        }

        return (q, y);
    }

    private static double Coverage(float[] q, float[] y) => Coverage(q, y, _ => true);

    private static double Coverage(float[] q, float[] y, Func<int, bool> include)
    {
        var points = Enumerable.Range(0, y.Length).Where(include).ToList();
        return points.Count(i => y[i] >= q[i * Levels.Length] && y[i] <= q[(i * Levels.Length) + 2]) / (double)points.Count;
    }

    private static double Below(float[] q, float[] y, int level) =>
        Enumerable.Range(0, y.Length).Count(i => y[i] <= q[(i * Levels.Length) + level]) / (double)y.Length;

    private static double Normal(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());

    // Quantiles of the standard normal at the test's levels (tables).
    private static double NormalQuantile(double level) => level switch
    {
        0.1 => -1.2816,
        0.5 => 0,
        0.9 => 1.2816,
        _ => 2.3263,
    };
}
