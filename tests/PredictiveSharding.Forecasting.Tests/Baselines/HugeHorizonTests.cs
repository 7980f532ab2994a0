using PredictiveSharding.Forecasting.Baselines;

namespace PredictiveSharding.Forecasting.Tests.Baselines;

/// <summary>A request's horizon too long for a forecast to hold is refused by the baselines that take any horizon.</summary>
public sealed class HugeHorizonTests
{
    private static IEnumerable<TestCaseData> Forecasters()
    {
        yield return new TestCaseData(new Func<ILoadForecaster>(() => new SeasonalNaiveForecaster(new SeasonalNaiveForecasterOptions { SeasonLength = 24 }))).SetArgDisplayNames("seasonal-naive");
        yield return new TestCaseData(new Func<ILoadForecaster>(() => new HoltWintersForecaster(new HoltWintersForecasterOptions { SeasonLength = 24 }))).SetArgDisplayNames("holt-winters");
    }

    [TestCaseSource(nameof(Forecasters))]
    public async Task ForecastAsync_HorizonWhoseQuantilesExceedAnArray_ThrowsArgumentExceptionNamingTheHorizon(Func<ILoadForecaster> create)
    {
        // int.MaxValue minutes end in the year 6110, so the time is representable, but its four quantiles per step are
        // more values than an array holds: the product wrapped round in int and the forecast failed with an
        // OverflowException (a negative array size) that named neither the horizon nor the request.
        var sut = create();
        var history = TestSeries.History(TestSeries.From("a", TestSeries.Seasonal(240, 24, 100, noise: 0.1), TimeSpan.FromMinutes(1)));
        await sut.FitAsync(history, null, CancellationToken.None);

        var e = Assert.ThrowsAsync(Is.InstanceOf<ArgumentException>(), () => sut.ForecastAsync(new ForecastRequest(history, int.MaxValue), CancellationToken.None));

        Assert.That(((ArgumentException)e!).ParamName, Is.EqualTo("request"));
        Assert.That(e.Message, Does.Contain("2147483647").And.Contain("4 quantile"));
    }

    [TestCaseSource(nameof(Forecasters))]
    public async Task ForecastAsync_HorizonEndingAfterTheLastRepresentableTime_ThrowsArgumentExceptionNamingTheHorizon(Func<ILoadForecaster> create)
    {
        // Refused before the values are computed (4 million steps here); the forecast's own check, which came after them,
        // named the step rather than the request.
        var sut = create();
        var history = TestSeries.History(TestSeries.From("a", TestSeries.Seasonal(240, 24, 100, noise: 0.1), TimeSpan.FromDays(1)));
        await sut.FitAsync(history, null, CancellationToken.None);

        var e = Assert.ThrowsAsync(Is.InstanceOf<ArgumentException>(), () => sut.ForecastAsync(new ForecastRequest(history, 4_000_000), CancellationToken.None));

        Assert.That(((ArgumentException)e!).ParamName, Is.EqualTo("request"));
        Assert.That(e.Message, Does.Contain("4000000"));
    }

    [Test]
    public async Task ForecastAsync_FastTreeHorizonBeyondAnArray_IsRefusedNamingMaxHorizon()
    {
        // FastTree refuses any horizon beyond MaxHorizon; that, not the array's size, is what its message says.
        var sut = new FastTreeForecaster(new FastTreeForecasterOptions { SeasonLength = 24, MaxHorizon = 4, NumberOfTrees = 5, MinimumExampleCountPerLeaf = 5, NumberOfThreads = 1 });
        var history = TestSeries.History(TestSeries.From("a", TestSeries.Seasonal(240, 24, 100, noise: 0.1), TimeSpan.FromMinutes(1)));
        await sut.FitAsync(history, null, CancellationToken.None);

        var e = Assert.Throws<ArgumentOutOfRangeException>(() => sut.ForecastAsync(new ForecastRequest(history, int.MaxValue), CancellationToken.None));

        Assert.That(e!.Message, Does.Contain("MaxHorizon 4").And.Contain("2147483647"));
    }
}
