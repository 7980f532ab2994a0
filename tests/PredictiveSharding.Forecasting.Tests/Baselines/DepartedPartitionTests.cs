using PredictiveSharding.Forecasting.Baselines;

namespace PredictiveSharding.Forecasting.Tests.Baselines;

/// <summary>
/// The baselines forget a partition that has left, as the LSTM's adaptive calibration does: once an update lacks it and
/// starts at or after the end of its data. Regression: they kept a series for every partition id ever seen, so a store
/// whose splits made new ids all the time grew their state without bound.
/// </summary>
public sealed class DepartedPartitionTests
{
    private static readonly double[] Values = TestSeries.Seasonal(400, 24, 10, noise: 0.05);

    public static IEnumerable<TestCaseData> Forecasters()
    {
        yield return new TestCaseData(new Func<ILoadForecaster>(() => new SeasonalNaiveForecaster(new SeasonalNaiveForecasterOptions { SeasonLength = 24 }))).SetArgDisplayNames("seasonal-naive");
        yield return new TestCaseData(new Func<ILoadForecaster>(() => new HoltWintersForecaster(new HoltWintersForecasterOptions { SeasonLength = 24 }))).SetArgDisplayNames("holt-winters");
        yield return new TestCaseData(new Func<ILoadForecaster>(() => new FastTreeForecaster(new FastTreeForecasterOptions { SeasonLength = 24, MaxHorizon = 4, NumberOfTrees = 5, MinimumExampleCountPerLeaf = 5, NumberOfThreads = 1 }))).SetArgDisplayNames("fasttree");
    }

    [TestCaseSource(nameof(Forecasters))]
    public async Task UpdateAsync_NewIdsEveryUpdate_ForgetsThoseTheWindowHasPassed(Func<ILoadForecaster> create)
    {
        var sut = create();
        await sut.FitAsync(Window(0, ["a", "b"]), null, CancellationToken.None);

        // A 96-bucket window moving a day per update; each update a new id "cK" (a split's child) beside "a".
        for (var k = 1; k <= 8; k++)
        {
            await sut.UpdateAsync(Window(24 * k, ["a", "c" + k]), CancellationToken.None);
        }

        // The last window starts at bucket 192: "b" (ended at 96) and c1–c4 (ended at 120–192) have left; c5–c8 may still
        // be continued by a later update.
        Assert.That(Count(sut), Is.EqualTo(5));
    }

    [TestCaseSource(nameof(Forecasters))]
    public async Task UpdateAsync_PartitionLeftOutOnceWhileItsDataReachesTheWindow_IsKept(Func<ILoadForecaster> create)
    {
        var sut = create();
        await sut.FitAsync(Window(0, ["a", "b"]), null, CancellationToken.None);

        await sut.UpdateAsync(Window(24, ["a"]), CancellationToken.None);

        Assert.That(Count(sut), Is.EqualTo(2), "'b' ends at 96, after the update's start at 24");
    }

    private static int Count(ILoadForecaster forecaster) => forecaster switch
    {
        SeasonalNaiveForecaster s => s.PartitionCount,
        HoltWintersForecaster h => h.PartitionCount,
        FastTreeForecaster f => f.PartitionCount,
        _ => throw new ArgumentOutOfRangeException(nameof(forecaster)),
    };

    private static LoadHistory Window(int from, string[] names) =>
        TestSeries.History(names.Select(n => TestSeries.From(n, Values[from..(from + 96)], start: TestSeries.Start + (TestSeries.Hour * from))).ToArray());
}
