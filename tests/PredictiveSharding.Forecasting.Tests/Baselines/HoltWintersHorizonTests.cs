using PredictiveSharding.Forecasting.Baselines;

namespace PredictiveSharding.Forecasting.Tests.Baselines;

public sealed class HoltWintersHorizonTests
{
    private static readonly HoltWintersParameters[] Models =
    [
        new(0.5, 0.2, 0.1, 0.9, Multiplicative: false),
        new(0.31, 0.07, 0.23, 0.98, Multiplicative: true),
        new(0.12, 0.5, 0.4, 1.0, Multiplicative: false),
        new(0.9, 0.01, 0.05, 0.8, Multiplicative: true),
    ];

    [Test]
    public void RunningSums_OverALongHorizon_AreBitIdenticalToThePerStepComputation()
    {
        // The forecaster once summed φ + … + φ^h and the variance factor afresh for every step h (O(H²) for a horizon of
        // H); it now keeps both running. The per-step computation below is the old one, kept as the reference.
        const int Horizon = 600;
        foreach (var (p, seasonLength) in Models.Zip(new[] { 2, 24, 7, 168 }))
        {
            var state = new HoltWintersState(120.5, -0.37, Enumerable.Range(0, seasonLength).Select(i => 0.8 + (0.013 * i)).ToArray(), seasonLength / 3);
            var steps = new HoltWintersHorizon(p, seasonLength);
            for (var h = 1; h <= Horizon; h++)
            {
                steps.Next();

                Assert.That(steps.Step, Is.EqualTo(h));
                Assert.That(HoltWintersFilter.Point(p, state, h, steps.PhiSum), Is.EqualTo(ReferencePoint(p, state, h)), $"{p}, step {h}");
                Assert.That(steps.VarianceFactor, Is.EqualTo(p.VarianceFactor(h, seasonLength)), $"{p}, step {h}");
            }
        }
    }

    private static double ReferencePoint(in HoltWintersParameters p, HoltWintersState state, int h)
    {
        var m = state.Seasonal.Length;
        var phiSum = 0.0;
        var phiPower = 1.0;
        for (var j = 1; j <= h; j++)
        {
            phiPower *= p.Phi;
            phiSum += phiPower;
        }

        var s = state.Seasonal[(state.Phase + h - 1) % m];
        var trended = state.Level + (phiSum * state.Trend);
        return p.Multiplicative ? trended * s : trended + s;
    }
}
