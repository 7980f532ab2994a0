using PredictiveSharding.Forecasting.Lstm;

namespace PredictiveSharding.Forecasting.Tests.Lstm;

/// <summary>
/// Split-conformal recalibration: offsets fitted on one sample of a miscalibrated forecaster must give about nominal
/// coverage on a fresh sample of the same process, and never let quantiles cross.
/// </summary>
public sealed class QuantileCalibrationTests
{
    private static readonly double[] Levels = [0.1, 0.5, 0.9, 0.99];

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
        for (var w = 0; w < testY.Length / horizon; w++)
        {
            QuantileCalibration.Apply(offsets, testQ.AsSpan(w * horizon * Levels.Length, horizon * Levels.Length), horizon);
        }

        var after = Coverage(testQ, testY);
        var belowMedian = Below(testQ, testY, 1);
        TestContext.Out.WriteLine($"coverage80 before {before:F3}, after {after:F3}; share below the median {belowMedian:F3}");
        Assert.That(Math.Abs(before - 0.8), Is.GreaterThan(0.1), "the uncalibrated sample must be off for the test to mean anything");
        Assert.That(after, Is.InRange(0.77, 0.83));
        Assert.That(belowMedian, Is.InRange(0.47, 0.53));
    }

    [Test]
    public void Apply_OffsetsThatWouldCrossLevels_KeepsEachStepMonotone()
    {
        float[] row = [1f, 2f, 3f, 4f, 10f, 11f, 12f, 13f];
        QuantileCalibration.Apply([0.5f, -2f, 0f, -5f], row, horizon: 2);
        Assert.That(row, Is.EqualTo(new[] { 1.5f, 1.5f, 3f, 3f, 10.5f, 10.5f, 12f, 12f }));
    }

    [Test]
    public void Fit_TooFewPoints_ReturnsZeroOffsets()
    {
        var (q, y) = Sample(new Random(3), 4, 6, 0.3);
        Assert.That(QuantileCalibration.Fit(q, y, Levels, 6), Is.All.EqualTo(0f));
    }

    private static (float[] Quantiles, float[] Targets) Sample(Random random, int windows, int horizon, double claimedSpread)
    {
        var q = new float[windows * horizon * Levels.Length];
        var y = new float[windows * horizon];
        for (var i = 0; i < y.Length; i++)
        {
            y[i] = (float)(5 + Normal(random));
            for (var k = 0; k < Levels.Length; k++)
            {
                q[(i * Levels.Length) + k] = (float)(5.4 + (claimedSpread * NormalQuantile(Levels[k])));
            }
        }

        return (q, y);
    }

    private static double Coverage(float[] q, float[] y) =>
        Enumerable.Range(0, y.Length).Count(i => y[i] >= q[i * Levels.Length] && y[i] <= q[(i * Levels.Length) + 2]) / (double)y.Length;

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
