using PredictiveSharding.Forecasting.Baselines;
using PredictiveSharding.Forecasting.Lstm;
using PredictiveSharding.Forecasting.Tests.Lstm;
using PredictiveSharding.Topology;

namespace PredictiveSharding.Forecasting.Tests.Baselines;

/// <summary>
/// A partition id that leaves the harvested series and comes back after a gap (a Redis slot range that recurs) starts
/// again from the data it comes back with, its old history dropped. Regression: the baselines refused the update as
/// leaving a gap after the data they held for it, and every later one too, until the host filled the gap with zeros
/// (load that was not zero, but served under other ids).
/// </summary>
public sealed class ReturningPartitionTests
{
    private static readonly double[] A = TestSeries.Seasonal(264, 24, 10, noise: 0.05);
    private static readonly double[] B = TestSeries.Seasonal(264, 24, 40, noise: 0.05, seed: 2);

    public static IEnumerable<TestCaseData> Forecasters()
    {
        yield return new TestCaseData(new Func<ILoadForecaster>(() => new SeasonalNaiveForecaster(new SeasonalNaiveForecasterOptions { SeasonLength = 24 }))).SetArgDisplayNames("seasonal-naive");
        yield return new TestCaseData(new Func<ILoadForecaster>(() => new HoltWintersForecaster(new HoltWintersForecasterOptions { SeasonLength = 24 }))).SetArgDisplayNames("holt-winters");
        yield return new TestCaseData(new Func<ILoadForecaster>(() => new FastTreeForecaster(new FastTreeForecasterOptions { SeasonLength = 24, MaxHorizon = 4, NumberOfTrees = 10, MinimumExampleCountPerLeaf = 5 }))).SetArgDisplayNames("fasttree");

        // The LSTM keeps no series per partition (only its adaptive calibration's last forecasts): it passed before, and is
        // here so that it stays alike.
        yield return new TestCaseData(new Func<ILoadForecaster>(() => new LstmForecaster(TinyOptions.Create().With(o => o.AdaptiveCalibrationRate = 1)))).SetArgDisplayNames("lstm");
    }

    [TestCaseSource(nameof(Forecasters))]
    public async Task UpdateAsync_PartitionBackAfterAGap_StartsItAgainFromItsNewData(Func<ILoadForecaster> create)
    {
        var sut = create();
        await sut.FitAsync(History((A, 0, 96), (B, 0, 96)), null, CancellationToken.None);
        // Each update holds the host's window up to its end (as the control loop gives it), long enough for the LSTM.
        await sut.UpdateAsync(History((A, 0, 120)), CancellationToken.None);
        _ = await sut.ForecastAsync(new ForecastRequest(History((A, 0, 120)), 4), CancellationToken.None);

        // "b" is back 48 buckets after its data ended, with three days of its own.
        await sut.UpdateAsync(History((A, 0, 216), (B, 144, 216)), CancellationToken.None);
        var forecast = await sut.ForecastAsync(new ForecastRequest(History((A, 0, 216), (B, 144, 216)), 4), CancellationToken.None);

        Assert.That(forecast.Partitions.Keys, Is.EquivalentTo(new[] { new PartitionId("a"), new PartitionId("b") }));
        Assert.That(async () => await sut.UpdateAsync(History((A, 0, 240), (B, 144, 240)), CancellationToken.None), Throws.Nothing, "both continue from their new data");
    }

    [Test]
    public async Task UpdateAsync_SeasonalNaivePartitionBackAfterAGap_ForecastsAsAForecasterThatNeverHadIt()
    {
        // Dropped, not zero-filled: the returning partition's error quantiles come from its new data alone.
        var options = new SeasonalNaiveForecasterOptions { SeasonLength = 24 };
        var sut = new SeasonalNaiveForecaster(options);
        var fresh = new SeasonalNaiveForecaster(options);
        await sut.FitAsync(History((A, 0, 96), (B, 0, 96)), null, CancellationToken.None);
        await fresh.FitAsync(History((A, 0, 96)), null, CancellationToken.None);
        await sut.UpdateAsync(History((A, 96, 120)), CancellationToken.None);
        await fresh.UpdateAsync(History((A, 96, 120)), CancellationToken.None);
        var noisyB = TestSeries.Seasonal(264, 24, 40, noise: 0.4, seed: 3);

        await sut.UpdateAsync(History((A, 120, 216), (noisyB, 144, 216)), CancellationToken.None);
        await fresh.UpdateAsync(History((A, 120, 216), (noisyB, 144, 216)), CancellationToken.None);

        var request = new ForecastRequest(History((noisyB, 144, 216)), 4);
        var expected = (await fresh.ForecastAsync(request, CancellationToken.None)).Partitions[new PartitionId("b")][ResourceKind.Requests];
        var actual = (await sut.ForecastAsync(request, CancellationToken.None)).Partitions[new PartitionId("b")][ResourceKind.Requests];
        for (var h = 0; h < 4; h++)
        {
            Assert.That(actual.AtStep(h).ToArray(), Is.EqualTo(expected.AtStep(h).ToArray()), $"step {h}");
        }
    }

    private static LoadHistory History(params (double[] Values, int From, int To)[] parts) =>
        TestSeries.History(parts.Select(p => TestSeries.From(ReferenceEquals(p.Values, A) ? "a" : "b", p.Values[p.From..p.To], start: TestSeries.Start + (TestSeries.Hour * p.From))).ToArray());
}
