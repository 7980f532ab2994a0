using PredictiveSharding.Forecasting.Baselines;
using PredictiveSharding.Topology;

namespace PredictiveSharding.Forecasting.Tests.Baselines;

public sealed class SeasonalNaiveForecasterTests
{
    private static readonly double[] Levels = [0.1, 0.5, 0.9];

    [Test]
    public async Task ForecastAsync_PeriodicSeries_RepeatsTheLastSeasonAtEveryQuantile()
    {
        var values = Enumerable.Range(0, 20).Select(t => (double)((t % 4) + 1)).ToArray();
        var history = TestSeries.History(TestSeries.From("a", values));
        var sut = new SeasonalNaiveForecaster(new SeasonalNaiveForecasterOptions { SeasonLength = 4, Quantiles = Levels });
        await sut.FitAsync(history, null, CancellationToken.None);

        var forecast = await sut.ForecastAsync(new ForecastRequest(history, 6), CancellationToken.None);

        var series = forecast.Partitions[new PartitionId("a")][ResourceKind.Requests];
        var expected = new[] { 1.0, 2, 3, 4, 1, 2 };
        for (var h = 0; h < 6; h++)
        {
            Assert.That(series.AtStep(h).ToArray(), Is.EqualTo(new[] { expected[h], expected[h], expected[h] }));
        }
    }

    [Test]
    public async Task ForecastAsync_QuantilesAreEmpiricalQuantilesOfSeasonalErrors()
    {
        // m = 1: errors y_t − y_{t−1} are 2, −1, 4, −1; sorted −1, −1, 2, 4. Type-7 quantiles: 0.1 → −1, 0.5 → 0.5, 0.9 → 3.4.
        var history = TestSeries.History(TestSeries.From("a", [10, 12, 11, 15, 14]));
        var sut = new SeasonalNaiveForecaster(new SeasonalNaiveForecasterOptions { SeasonLength = 1, MinimumResiduals = 4, Quantiles = Levels });
        await sut.FitAsync(history, null, CancellationToken.None);

        var forecast = await sut.ForecastAsync(new ForecastRequest(history, 2), CancellationToken.None);

        var series = forecast.Partitions[new PartitionId("a")][ResourceKind.Requests];
        Assert.That(series.AtStep(0).ToArray(), Is.EqualTo(new[] { 13.0, 14.5, 17.4 }).Within(1e-9));

        // Two steps ahead needs errors two seasons apart (1, 3, 3): fewer than 4, so the one-season errors widen by √2.
        var widen = Math.Sqrt(2);
        Assert.That(series.AtStep(1).ToArray(), Is.EqualTo(new[] { 14 - widen, 14 + (0.5 * widen), 14 + (3.4 * widen) }).Within(1e-9));
    }

    [Test]
    public async Task ForecastAsync_ErrorsBelowZero_ClampsQuantilesAtZero()
    {
        var values = Enumerable.Range(0, 30).Select(t => t % 3 == 0 ? 10.0 : 0).ToArray();
        var history = TestSeries.History(TestSeries.From("a", values[..29]));
        var sut = new SeasonalNaiveForecaster(new SeasonalNaiveForecasterOptions { SeasonLength = 1, Quantiles = Levels });
        await sut.FitAsync(history, null, CancellationToken.None);

        var forecast = await sut.ForecastAsync(new ForecastRequest(history, 1), CancellationToken.None);

        var row = forecast.Partitions[new PartitionId("a")][ResourceKind.Requests].AtStep(0).ToArray();
        Assert.That(row[0], Is.EqualTo(0.0));
        Assert.That(row[2], Is.GreaterThan(0.0));
    }

    [Test]
    public async Task UpdateAsync_NoisyContinuation_WidensTheInterval()
    {
        var periodic = Enumerable.Range(0, 48).Select(t => (double)((t % 4) + 1)).ToArray();
        var sut = new SeasonalNaiveForecaster(new SeasonalNaiveForecasterOptions { SeasonLength = 4, Quantiles = Levels });
        await sut.FitAsync(TestSeries.History(TestSeries.From("a", periodic)), null, CancellationToken.None);
        var noisy = periodic.Concat(Enumerable.Range(48, 48).Select(t => ((t % 4) + 1) * (t % 3 == 0 ? 3.0 : 1.0))).ToArray();
        var history = TestSeries.History(TestSeries.From("a", noisy));

        var before = await sut.ForecastAsync(new ForecastRequest(history, 1), CancellationToken.None);
        await sut.UpdateAsync(history, CancellationToken.None);
        var after = await sut.ForecastAsync(new ForecastRequest(history, 1), CancellationToken.None);

        double Width(LoadForecast f) => f.Partitions[new PartitionId("a")][ResourceKind.Requests][0, 2] - f.Partitions[new PartitionId("a")][ResourceKind.Requests][0, 0];
        Assert.That(Width(before), Is.EqualTo(0.0));
        Assert.That(Width(after), Is.GreaterThan(0.0));
    }

    [Test]
    public async Task ForecastAsync_HistoryOnAnotherStep_ThrowsArgumentException()
    {
        var sut = new SeasonalNaiveForecaster(new SeasonalNaiveForecasterOptions { SeasonLength = 4 });
        await sut.FitAsync(TestSeries.History(TestSeries.From("a", TestSeries.Seasonal(48, 4, 10))), null, CancellationToken.None);
        var daily = TestSeries.History(TestSeries.From("a", TestSeries.Seasonal(48, 4, 10), TimeSpan.FromDays(1)));

        Assert.CatchAsync<ArgumentException>(async () => await sut.ForecastAsync(new ForecastRequest(daily, 2), CancellationToken.None));
    }

    [Test]
    public void Constructor_SeasonLengthZero_ThrowsNamingTheOption()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => _ = new SeasonalNaiveForecaster(new SeasonalNaiveForecasterOptions { SeasonLength = 0 }));

        Assert.That(e!.ParamName, Is.EqualTo(nameof(SeasonalNaiveForecasterOptions.SeasonLength)));
        Assert.That(e.Message, Does.Contain("got 0"));
    }

    [Test]
    public void Constructor_SeasonPlusMinimumResidualsBeyondInt_ThrowsNamingMaxHistoryLength()
    {
        // SeasonLength + MinimumResiduals wrapped round to a negative minimum: the check passed, and so did the fit's
        // length check, so a 100-step series fitted with a season of int.MaxValue and no residual at all.
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => _ = new SeasonalNaiveForecaster(new SeasonalNaiveForecasterOptions { SeasonLength = int.MaxValue }));

        Assert.That(e!.ParamName, Is.EqualTo(nameof(SeasonalNaiveForecasterOptions.MaxHistoryLength)));
        Assert.That(e.Message, Does.Contain("2147483655").And.Contain("8760"));
    }

    [Test]
    public void Constructor_DecreasingQuantiles_ThrowsNamingTheOption()
    {
        var e = Assert.Throws<ArgumentException>(() => _ = new SeasonalNaiveForecaster(new SeasonalNaiveForecasterOptions { Quantiles = [0.5, 0.1] }));

        Assert.That(e!.ParamName, Is.EqualTo(nameof(SeasonalNaiveForecasterOptions.Quantiles)));
    }

    [Test]
    public async Task UpdateAsync_ConcurrentUpdatesAddingPartitions_KeepsEveryOne()
    {
        // Documented thread-safe: updates that read the same state each wrote their own copy, and the last one won.
        var lost = await ConcurrentUpdates.LostPartitionsAsync(() => new SeasonalNaiveForecaster(), rounds: 5, partitions: 200);

        Assert.That(lost, Is.Empty);
    }
}
