using PredictiveSharding.Forecasting.Baselines;
using PredictiveSharding.Forecasting.Features;
using PredictiveSharding.Topology;

namespace PredictiveSharding.Forecasting.Tests.Baselines;

public sealed class HoltWintersForecasterTests
{
    [Test]
    public async Task ForecastAsync_CleanLinearTrendAndSeasonWithoutDamping_MedianWithinOnePercentOfTruth()
    {
        double Truth(int t) => 100 + (0.5 * t) + (20 * Math.Sin(2 * Math.PI * t / 24));
        var values = Enumerable.Range(0, 240).Select(Truth).ToArray();
        var history = TestSeries.History(TestSeries.From("a", values));
        var sut = new HoltWintersForecaster(new HoltWintersForecasterOptions { SeasonLength = 24, DampedTrend = false, Seasonality = HoltWintersSeasonality.Additive });
        await sut.FitAsync(history, null, CancellationToken.None);

        var forecast = await sut.ForecastAsync(new ForecastRequest(history, 24) { Quantiles = [0.5] }, CancellationToken.None);

        var series = forecast.Partitions[new PartitionId("a")][ResourceKind.Requests];
        for (var h = 0; h < 24; h++)
        {
            Assert.That(series[h, 0], Is.EqualTo(Truth(240 + h)).Within(1).Percent, $"step {h}");
        }
    }

    [Test]
    public void Fit_AutoOnMultiplicativeSeasonality_ChoosesMultiplicative()
    {
        var values = Enumerable.Range(0, 240).Select(t => (100 + (2.0 * t)) * (1 + (0.6 * Math.Sin(2 * Math.PI * t / 24)))).ToArray();
        var stored = StoredSeries.From(TestSeries.From("a", values), "history");

        var model = HoltWintersSeriesModel.Fit(stored, 24, HoltWintersSeasonality.Auto, damped: true, maxEvaluations: 300, maxResiduals: 1000, CancellationToken.None);

        Assert.That(model.Parameters.Multiplicative, Is.True);
    }

    [Test]
    public void Fit_MultiplicativeOnSeriesWithZeros_FallsBackToAdditive()
    {
        var values = TestSeries.Seasonal(120, 24, 10, amplitude: 1.2);
        Assert.That(values, Has.Some.EqualTo(0.0));
        var stored = StoredSeries.From(TestSeries.From("a", values), "history");

        var model = HoltWintersSeriesModel.Fit(stored, 24, HoltWintersSeasonality.Multiplicative, damped: true, maxEvaluations: 100, maxResiduals: 1000, CancellationToken.None);

        Assert.That(model.Parameters.Multiplicative, Is.False);
    }

    [Test]
    public async Task UpdateAsync_ASeasonOfZeroLoadOnAMultiplicativeModel_KeepsForecastsOnTheScaleOfTheData()
    {
        // A partition idle for 30 hours. The multiplicative recursions divide by the level and the seasonal terms, which the
        // zeros drive towards nothing: the loads after them made seasonal terms of about 10^9, and the forecast reached
        // 3.6 × 10^11 requests where the data never exceeded 200.
        var busy = TestSeries.Seasonal(240, 24, 100, amplitude: 0.9, noise: 0.05);
        var sut = new HoltWintersForecaster(new HoltWintersForecasterOptions { SeasonLength = 24, Seasonality = HoltWintersSeasonality.Multiplicative });
        await sut.FitAsync(TestSeries.History(TestSeries.From("a", busy)), null, CancellationToken.None);
        var later = busy.Concat(Enumerable.Repeat(0.0, 30)).Concat(TestSeries.Seasonal(48, 24, 100, amplitude: 0.9, noise: 0.05, seed: 2)[..5]).ToArray();
        var history = TestSeries.History(TestSeries.From("a", later));
        await sut.UpdateAsync(history, CancellationToken.None);

        var forecast = await sut.ForecastAsync(new ForecastRequest(history, 24), CancellationToken.None);

        var series = forecast.Partitions[new PartitionId("a")][ResourceKind.Requests];
        for (var h = 0; h < 24; h++)
        {
            Assert.That(series.AtStep(h).ToArray(), Has.All.InRange(-50.0, 500.0), $"step {h}");
        }
    }

    [Test]
    public async Task ForecastAsync_AContextWithAnIdleDayOnAMultiplicativeModel_KeepsForecastsOnTheScaleOfTheData()
    {
        // The same through a forecast context that restarts the state (it neither starts at the fit nor ends where the fit
        // ended): a first season of zeros made every seasonal ratio 0 / 0, and the forecast came out all zeros.
        var busy = TestSeries.Seasonal(240, 24, 100, amplitude: 0.6, noise: 0.05);
        var sut = new HoltWintersForecaster(new HoltWintersForecasterOptions { SeasonLength = 24, Seasonality = HoltWintersSeasonality.Multiplicative });
        await sut.FitAsync(TestSeries.History(TestSeries.From("a", busy)), null, CancellationToken.None);
        var context = Enumerable.Repeat(0.0, 24).Concat(TestSeries.Seasonal(48, 24, 100, amplitude: 0.6, noise: 0.05, seed: 3)).ToArray();
        var history = TestSeries.History(TestSeries.From("a", context, start: TestSeries.Start + (TestSeries.Hour * 300)));

        var forecast = await sut.ForecastAsync(new ForecastRequest(history, 24) { Quantiles = [0.5] }, CancellationToken.None);

        var median = forecast.Partitions[new PartitionId("a")][ResourceKind.Requests];
        var values = Enumerable.Range(0, 24).Select(h => median[h, 0]).ToArray();
        Assert.That(values, Has.All.InRange(-50.0, 500.0));
        Assert.That(values.Average(), Is.EqualTo(100).Within(40), "the median follows the busy days after the idle one");
    }

    [Test]
    public void VarianceFactor_HandComputed_MatchesTheEtsFormula()
    {
        // c_1 = 0.5(1 + 0.2·0.9) = 0.59; c_2 = 0.5(1 + 0.2·1.71) + 0.1 = 0.771 (j = 2 is a multiple of m = 2).
        var p = new HoltWintersParameters(0.5, 0.2, 0.1, 0.9, Multiplicative: false);

        Assert.That(p.VarianceFactor(1, 2), Is.EqualTo(1.0));
        Assert.That(p.VarianceFactor(2, 2), Is.EqualTo(1 + (0.59 * 0.59)).Within(1e-12));
        Assert.That(p.VarianceFactor(3, 2), Is.EqualTo(1 + (0.59 * 0.59) + (0.771 * 0.771)).Within(1e-12));
    }

    [Test]
    public async Task ForecastAsync_WanderingLevel_IntervalWidensWithHorizon()
    {
        // A random-walk level plus a daily cycle: the level smoothing is large, so uncertainty must grow with the horizon.
        var random = new Random(7);
        var level = 500.0;
        var values = new double[240];
        for (var t = 0; t < values.Length; t++)
        {
            level += 10 * ((2 * random.NextDouble()) - 1);
            values[t] = level + (50 * Math.Sin(2 * Math.PI * t / 24));
        }

        var history = TestSeries.History(TestSeries.From("a", values));
        var sut = new HoltWintersForecaster(new HoltWintersForecasterOptions { SeasonLength = 24, Seasonality = HoltWintersSeasonality.Additive });
        await sut.FitAsync(history, null, CancellationToken.None);

        var forecast = await sut.ForecastAsync(new ForecastRequest(history, 25) { Quantiles = [0.1, 0.9] }, CancellationToken.None);

        var series = forecast.Partitions[new PartitionId("a")][ResourceKind.Requests];
        Assert.That(series[24, 1] - series[24, 0], Is.GreaterThan(1.5 * (series[0, 1] - series[0, 0])));
    }

    [Test]
    public async Task ForecastAsync_ShortContextEndingWhereUpdateEnded_MatchesTheFullContext()
    {
        var values = TestSeries.Seasonal(240, 24, 100, slope: 0.2, noise: 0.1);
        var sut = new HoltWintersForecaster(new HoltWintersForecasterOptions { SeasonLength = 24 });
        await sut.FitAsync(TestSeries.History(TestSeries.From("a", values[..192])), null, CancellationToken.None);
        var full = TestSeries.History(TestSeries.From("a", values));
        await sut.UpdateAsync(full, CancellationToken.None);
        var recent = TestSeries.History(TestSeries.From("a", values[216..], start: TestSeries.Start + (TestSeries.Hour * 216)));

        var fromFull = await sut.ForecastAsync(new ForecastRequest(full, 12), CancellationToken.None);
        var fromRecent = await sut.ForecastAsync(new ForecastRequest(recent, 12), CancellationToken.None);

        var a = fromFull.Partitions[new PartitionId("a")][ResourceKind.Requests];
        var b = fromRecent.Partitions[new PartitionId("a")][ResourceKind.Requests];
        for (var h = 0; h < 12; h++)
        {
            Assert.That(b.AtStep(h).ToArray(), Is.EqualTo(a.AtStep(h).ToArray()).Within(1e-9));
        }
    }

    [Test]
    public void Constructor_SeasonLengthOne_ThrowsNamingTheOption()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => _ = new HoltWintersForecaster(new HoltWintersForecasterOptions { SeasonLength = 1 }));

        Assert.That(e!.ParamName, Is.EqualTo(nameof(HoltWintersForecasterOptions.SeasonLength)));
    }

    [Test]
    public void FitAsync_SeasonWhoseTwoSeasonsExceedInt_ThrowsArgumentExceptionNamingTheSeries()
    {
        // Two seasons (and a season plus the residuals) wrapped round to a negative minimum length: the series passed the
        // check and the fit then failed allocating a seasonal state of int.MaxValue terms (OutOfMemoryException).
        var sut = new HoltWintersForecaster(new HoltWintersForecasterOptions { SeasonLength = int.MaxValue - 4 });
        var history = TestSeries.History(TestSeries.From("short", TestSeries.Seasonal(100, 24, 50)));

        var e = Assert.CatchAsync<ArgumentException>(async () => await sut.FitAsync(history, null, CancellationToken.None));

        Assert.That(e, Is.Not.InstanceOf<ArgumentOutOfRangeException>());
        Assert.That(e!.Message, Does.Contain("short").And.Contain("4294967286"));
        Assert.That(sut.IsFitted, Is.False);
    }

    [Test]
    public void Constructor_MaxHistoryLengthBelowMinimumResiduals_ThrowsNamingTheOptionAndValue()
    {
        // Keeping 3 residuals while 20 are required to estimate the quantiles silently estimated them from 3.
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => _ = new HoltWintersForecaster(new HoltWintersForecasterOptions { MinimumResiduals = 20, MaxHistoryLength = 3 }));

        Assert.That(e!.ParamName, Is.EqualTo(nameof(HoltWintersForecasterOptions.MaxHistoryLength)));
        Assert.That(e.Message, Does.Contain("20").And.Contain("3"));
    }

    [Test]
    public void Constructor_TooFewEvaluations_ThrowsNamingTheOption()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => _ = new HoltWintersForecaster(new HoltWintersForecasterOptions { MaxEvaluations = 5 }));

        Assert.That(e!.ParamName, Is.EqualTo(nameof(HoltWintersForecasterOptions.MaxEvaluations)));
    }

    [Test]
    public async Task UpdateAsync_ConcurrentUpdatesAddingPartitions_KeepsEveryOne()
    {
        // Documented thread-safe: updates that read the same state each wrote their own copy, and the last one won.
        var lost = await ConcurrentUpdates.LostPartitionsAsync(() => new HoltWintersForecaster(new HoltWintersForecasterOptions { MaxEvaluations = 30 }), rounds: 3, partitions: 100);

        Assert.That(lost, Is.Empty);
    }
}
