using PredictiveSharding.Forecasting.Baselines;

namespace PredictiveSharding.Forecasting.Tests.Baselines;

/// <summary>
/// A refit that finishes after an update started later keeps that update's buckets. Regression: the fit published the
/// state of its own history, which ended before the update's buckets, so the host's next update (starting where the
/// last one ended) was refused as leaving a gap, and so was every later one until another fit.
/// </summary>
public sealed class RefitRacingUpdateTests
{
    private static readonly double[] Values = TestSeries.Seasonal(144, 24, 10, noise: 0.05);

    public static IEnumerable<TestCaseData> Forecasters()
    {
        yield return new TestCaseData(new Func<ILoadForecaster>(() => new SeasonalNaiveForecaster(new SeasonalNaiveForecasterOptions { SeasonLength = 24 }))).SetArgDisplayNames("seasonal-naive");
        yield return new TestCaseData(new Func<ILoadForecaster>(() => new HoltWintersForecaster(new HoltWintersForecasterOptions { SeasonLength = 24 }))).SetArgDisplayNames("holt-winters");
        yield return new TestCaseData(new Func<ILoadForecaster>(() => new FastTreeForecaster(new FastTreeForecasterOptions { SeasonLength = 24, MaxHorizon = 4, NumberOfTrees = 10, MinimumExampleCountPerLeaf = 5 }))).SetArgDisplayNames("fasttree");
    }

    [TestCaseSource(nameof(Forecasters))]
    public async Task UpdateAsync_AfterARefitThatFinishedAfterAnEarlierUpdate_TakesTheBucketsAfterThatUpdate(Func<ILoadForecaster> create)
    {
        var sut = create();
        await sut.FitAsync(Slice(0, 96), null, CancellationToken.None);
        var armed = true;
        SetHook(sut, () =>
        {
            // The update lands while the refit runs: it extends the first fit's state to bucket 120.
            if (armed)
            {
                armed = false;
                sut.UpdateAsync(Slice(96, 120), CancellationToken.None).GetAwaiter().GetResult();
            }
        });

        // The refit's history was harvested before the update's: it ends at bucket 108.
        await sut.FitAsync(Slice(0, 108), null, CancellationToken.None);

        Assert.That(armed, Is.False, "the update ran while the refit ran");
        Assert.That(async () => await sut.UpdateAsync(Slice(120, 144), CancellationToken.None), Throws.Nothing);
    }

    [TestCaseSource(nameof(Forecasters))]
    public async Task UpdateAsync_AfterARefitWithoutAPartitionTheEarlierUpdateHad_StillTakesTheOtherPartitionsBuckets(Func<ILoadForecaster> create)
    {
        // Partition "b" is in the first fit and the racing update but not in the refit, whose state cannot take the
        // update's 24 buckets of "b" alone (too short to fit a new partition on); "a"'s buckets must still be kept.
        var sut = create();
        await sut.FitAsync(Both(0, 96), null, CancellationToken.None);
        var armed = true;
        SetHook(sut, () =>
        {
            if (armed)
            {
                armed = false;
                sut.UpdateAsync(Both(96, 120), CancellationToken.None).GetAwaiter().GetResult();
            }
        });

        await sut.FitAsync(Slice(0, 108), null, CancellationToken.None);

        Assert.That(armed, Is.False, "the update ran while the refit ran");
        Assert.That(async () => await sut.UpdateAsync(Slice(120, 144), CancellationToken.None), Throws.Nothing);
    }

    private static LoadHistory Both(int from, int to) => TestSeries.History(
        TestSeries.From("a", Values[from..to], start: TestSeries.Start + (TestSeries.Hour * from)),
        TestSeries.From("b", Values[from..to], start: TestSeries.Start + (TestSeries.Hour * from)));

    private static LoadHistory Slice(int from, int to) =>
        TestSeries.History(TestSeries.From("a", Values[from..to], start: TestSeries.Start + (TestSeries.Hour * from)));

    private static void SetHook(ILoadForecaster sut, Action hook)
    {
        switch (sut)
        {
            case SeasonalNaiveForecaster s:
                s.BeforeFitPublishes = hook;
                break;
            case HoltWintersForecaster h:
                h.BeforeFitPublishes = hook;
                break;
            case FastTreeForecaster f:
                f.BeforeFitPublishes = hook;
                break;
            default:
                throw new ArgumentException($"No hook for {sut.Name}.", nameof(sut));
        }
    }
}
