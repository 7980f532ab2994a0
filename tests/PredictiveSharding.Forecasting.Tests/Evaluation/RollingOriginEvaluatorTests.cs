using Microsoft.Extensions.Time.Testing;
using PredictiveSharding.Forecasting.Baselines;
using PredictiveSharding.Forecasting.Evaluation;
using PredictiveSharding.Forecasting.Tests.Baselines;
using PredictiveSharding.Telemetry;
using PredictiveSharding.Topology;

namespace PredictiveSharding.Forecasting.Tests.Evaluation;

public sealed class RollingOriginEvaluatorTests
{
    private static double[] Ramp(int length) => Enumerable.Range(0, length).Select(t => (double)t).ToArray();

    private static Dictionary<PartitionId, double[]> Truth(params (string Name, double[] Values)[] series) =>
        series.ToDictionary(s => new PartitionId(s.Name), s => s.Values);

    [Test]
    public void FirstOrigin_IsLengthMinusFlooredHoldout()
    {
        var sut = new RollingOriginEvaluator(new RollingOriginOptions { HoldoutFraction = 0.2 });

        Assert.That(sut.FirstOrigin(100), Is.EqualTo(80));
        Assert.That(sut.FirstOrigin(101), Is.EqualTo(81));
        Assert.That(sut.FirstOrigin(104), Is.EqualTo(84));
    }

    [TestCase(24, 24, 0.2, 120)] // first origin 96 > 24 and 96 + 24 ≤ 120; 119 holds out only 23
    [TestCase(7, 7, 0.2, 35)]
    [TestCase(60, 15, 0.2, 76)] // 61 > 60 before the first origin needs 76 (76 − 15 = 61)
    [TestCase(24, 24, 0.5, 49)]
    [TestCase(1, 1, 0.001, 1000)]
    public void MinimumLength_IsTheFirstLengthThatCanBeEvaluated(int season, int horizon, double holdout, int expected)
    {
        var sut = new RollingOriginEvaluator(new RollingOriginOptions { SeasonLength = season, Horizon = horizon, HoldoutFraction = holdout });

        Assert.That(sut.MinimumLength, Is.EqualTo(expected));
        Assert.That(sut.CanEvaluate(expected), Is.True);
        Assert.That(sut.CanEvaluate(expected - 1), Is.False);
        Assert.That(Enumerable.Range(1, expected - 1).Any(sut.CanEvaluate), Is.False, "no shorter length passes");
    }

    [Test]
    public void EvaluateAsync_SeriesShorterThanMinimumLength_IsRefusedNamingItAndItsLength()
    {
        var sut = new RollingOriginEvaluator(new RollingOriginOptions { SeasonLength = 24, Horizon = 24 });
        var series = new[] { TestSeries.From("short", Ramp(sut.MinimumLength - 1)) };

        var e = Assert.ThrowsAsync<ArgumentException>(() => sut.EvaluateAsync(new SeasonalNaiveForecaster(), series, CancellationToken.None));

        Assert.That(e!.Message, Does.Contain("'short'").And.Contain("119 steps"));
    }

    [Test]
    public async Task EvaluateAsync_FitsBeforeFirstOriginAndForecastsEveryHorizonWhileItFits()
    {
        // n = 100: origins 80 and 90. n = 105: first origin 105 − 21 = 84, then 94 (94 + 10 ≤ 105), not 104.
        var truth = Truth(("a", Ramp(100)), ("b", Ramp(105)));
        var forecaster = new ScriptedForecaster(truth);
        var sut = new RollingOriginEvaluator(new RollingOriginOptions { SeasonLength = 1, Horizon = 10, HoldoutFraction = 0.2 });

        var result = await sut.EvaluateAsync(forecaster, [TestSeries.From("a", truth[new PartitionId("a")]), TestSeries.From("b", truth[new PartitionId("b")])], CancellationToken.None);

        Assert.That(forecaster.FitLengths, Is.EqualTo(new[] { 80, 84 }));
        Assert.That(forecaster.ContextLengths, Is.EqualTo(new[] { 80, 84, 90, 94 }));
        Assert.That(result.Origins, Is.EqualTo(4));
        Assert.That(result.ForecastPoints, Is.EqualTo(40));
    }

    [Test]
    public async Task EvaluateAsync_PerfectForecasts_ScoreZeroErrorAndFullCoverage()
    {
        var truth = Truth(("a", Ramp(100)));
        var sut = new RollingOriginEvaluator(new RollingOriginOptions { SeasonLength = 1, Horizon = 10 });

        var result = await sut.EvaluateAsync(new ScriptedForecaster(truth), [TestSeries.From("a", truth[new PartitionId("a")])], CancellationToken.None);

        Assert.That(result.Mase, Is.Zero);
        Assert.That(result.Wql, Is.Zero);
        Assert.That(result.Coverage80, Is.EqualTo(1.0));
        Assert.That(result.Name, Is.EqualTo("scripted"));
    }

    [Test]
    public async Task EvaluateAsync_ForecastsOneAboveARamp_HandComputedScores()
    {
        // y_t = t, m = 1: MASE scale = 1, error 1 everywhere → MASE 1. Every actual is below the interval → coverage 0.
        // wQL per level q: 2 Σ (1 − q) / Σ y over the 20 points 80..99 (Σ = 1790); mean over 0.1, 0.5, 0.9 → 2·20·0.5/1790.
        var truth = Truth(("a", Ramp(100)));
        var sut = new RollingOriginEvaluator(new RollingOriginOptions { SeasonLength = 1, Horizon = 10, Quantiles = [0.1, 0.5, 0.9] });

        var result = await sut.EvaluateAsync(new ScriptedForecaster(truth) { Offset = 1 }, [TestSeries.From("a", truth[new PartitionId("a")])], CancellationToken.None);

        Assert.That(result.Mase, Is.EqualTo(1.0).Within(1e-12));
        Assert.That(result.Coverage80, Is.Zero);
        Assert.That(result.Wql, Is.EqualTo(2 * 20 * 0.5 / 1790).Within(1e-12));
    }

    [Test]
    public async Task EvaluateAsync_MaseAndWqlAreAveragedOverSeries()
    {
        // Series b has ten times a's values and the same absolute error: its MASE is a tenth of a's.
        var a = Ramp(100);
        var b = a.Select(v => v * 10).ToArray();
        var truth = Truth(("a", a), ("b", b));
        var sut = new RollingOriginEvaluator(new RollingOriginOptions { SeasonLength = 1, Horizon = 10 });

        var result = await sut.EvaluateAsync(new ScriptedForecaster(truth) { Offset = 1 }, [TestSeries.From("a", a), TestSeries.From("b", b)], CancellationToken.None);

        Assert.That(result.Mase, Is.EqualTo((1.0 + 0.1) / 2).Within(1e-12));
    }

    [Test]
    public async Task EvaluateAsync_SeasonalNaiveOnPeriodicSeries_IsExactAndMaseIsUndefined()
    {
        // A perfectly periodic series has a zero seasonal-naive scale: its MASE is undefined and the series is counted as such.
        var values = Enumerable.Range(0, 240).Select(t => 10.0 + (t % 24)).ToArray();
        var sut = new RollingOriginEvaluator(new RollingOriginOptions { SeasonLength = 24, Horizon = 24 });

        var result = await sut.EvaluateAsync(new SeasonalNaiveForecaster(), [TestSeries.From("a", values)], CancellationToken.None);

        Assert.That(result.Mase, Is.NaN);
        Assert.That(result.SeriesWithoutMaseScale, Is.EqualTo(1));
        Assert.That(result.Wql, Is.Zero);
        Assert.That(result.Coverage80, Is.EqualTo(1.0));
        Assert.That(result.Name, Is.EqualTo("seasonal-naive"));
    }

    [Test]
    public async Task EvaluateAsync_MeasuresTimeWithTheTimeProvider()
    {
        var time = new FakeTimeProvider();
        var truth = Truth(("a", Ramp(100)), ("b", Ramp(100)));
        var forecaster = new ScriptedForecaster(truth, time) { FitTime = TimeSpan.FromSeconds(2), ForecastTime = TimeSpan.FromMilliseconds(30) };
        var sut = new RollingOriginEvaluator(new RollingOriginOptions { SeasonLength = 1, Horizon = 10 }, time);

        var result = await sut.EvaluateAsync(forecaster, [TestSeries.From("a", Ramp(100)), TestSeries.From("b", Ramp(100))], CancellationToken.None);

        // Two origins, one call each for both series: 60 ms over 4 series-forecasts.
        Assert.That(result.TrainSeconds, Is.EqualTo(2.0));
        Assert.That(result.ForecastMillisPerSeries, Is.EqualTo(15.0));
    }

    [Test]
    public async Task EvaluateAsync_WithUpdateBetweenOrigins_UpdatesWithTheDataUpToEachLaterOriginAndCountsItAsTraining()
    {
        var time = new FakeTimeProvider();
        var truth = Truth(("a", Ramp(100)));
        var forecaster = new ScriptedForecaster(truth, time) { FitTime = TimeSpan.FromSeconds(1) };
        var sut = new RollingOriginEvaluator(new RollingOriginOptions { SeasonLength = 1, Horizon = 5, UpdateBetweenOrigins = true }, time);

        var result = await sut.EvaluateAsync(forecaster, [TestSeries.From("a", Ramp(100))], CancellationToken.None);

        // Origins 80, 85, 90, 95: a fit before 80 and an update before each later origin.
        Assert.That(forecaster.UpdateLengths, Is.EqualTo(new[] { 85, 90, 95 }));
        Assert.That(result.TrainSeconds, Is.EqualTo(4.0));
    }

    [Test]
    public void EvaluateAsync_SeriesTooShortForTheProtocol_ThrowsNamingIt()
    {
        var sut = new RollingOriginEvaluator(new RollingOriginOptions { SeasonLength = 24, Horizon = 24 });
        var truth = Truth(("tiny", Ramp(30)));

        var e = Assert.ThrowsAsync<ArgumentException>(async () => await sut.EvaluateAsync(new ScriptedForecaster(truth), [TestSeries.From("tiny", Ramp(30))], CancellationToken.None));

        Assert.That(e!.Message, Does.Contain("'tiny'"));
    }

    [Test]
    public void Constructor_HoldoutOutOfRange_ThrowsNamingTheOption()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => _ = new RollingOriginEvaluator(new RollingOriginOptions { HoldoutFraction = 1.5 }));

        Assert.That(e!.ParamName, Is.EqualTo(nameof(RollingOriginOptions.HoldoutFraction)));
    }

    [Test]
    public void EvaluateAsync_NoSeries_ThrowsArgumentException()
    {
        var sut = new RollingOriginEvaluator();

        Assert.ThrowsAsync<ArgumentException>(async () => await sut.EvaluateAsync(new ScriptedForecaster(Truth()), Array.Empty<PartitionLoadSeries>(), CancellationToken.None));
    }
}
