using PredictiveSharding.Forecasting.Baselines;

namespace PredictiveSharding.Forecasting.Tests.Baselines;

/// <summary>
/// A fit whose progress consumer throws fails as a whole: nothing is published. Regression: the baselines reported the
/// fit's end after publishing its model, so FitAsync threw the consumer's exception although the new model had
/// replaced the previous one (a first fit left the forecaster fitted), unlike every other failed fit.
/// </summary>
public sealed class BaselineFitProgressTests
{
    public static IEnumerable<TestCaseData> Forecasters()
    {
        yield return new TestCaseData(new Func<ILoadForecaster>(() => new SeasonalNaiveForecaster(new SeasonalNaiveForecasterOptions { SeasonLength = 24 }))).SetArgDisplayNames("seasonal-naive");
        yield return new TestCaseData(new Func<ILoadForecaster>(() => new HoltWintersForecaster(new HoltWintersForecasterOptions { SeasonLength = 24 }))).SetArgDisplayNames("holt-winters");
        yield return new TestCaseData(new Func<ILoadForecaster>(() => new FastTreeForecaster(new FastTreeForecasterOptions { SeasonLength = 24, MaxHorizon = 4, NumberOfTrees = 10, MinimumExampleCountPerLeaf = 5 }))).SetArgDisplayNames("fasttree");
    }

    [TestCaseSource(nameof(Forecasters))]
    public void FitAsync_ProgressConsumerThrowsOnTheLastReport_ThrowsAndStaysUnfitted(Func<ILoadForecaster> create)
    {
        var sut = create();
        var history = TestSeries.History(TestSeries.From("a", TestSeries.Seasonal(96, 24, 10, noise: 0.05)));
        var progress = new ThrowingProgress();

        Assert.That(async () => await sut.FitAsync(history, progress, CancellationToken.None), Throws.InstanceOf<InvalidOperationException>().With.Message.EqualTo("consumer"));
        Assert.That(progress.Reports, Is.Not.Empty);
        Assert.That(progress.Reports[^1].Epoch, Is.EqualTo(progress.Reports[^1].TotalEpochs), "the consumer threw on the fit's last report");
        Assert.That(sut.IsFitted, Is.False);
    }

    // Throws on the report that says the fit is done, as a consumer with a bug in its completion handling would.
    private sealed class ThrowingProgress : IProgress<ForecasterProgress>
    {
        public List<ForecasterProgress> Reports { get; } = [];

        public void Report(ForecasterProgress value)
        {
            Reports.Add(value);
            if (value.Epoch == value.TotalEpochs)
            {
                throw new InvalidOperationException("consumer");
            }
        }
    }
}
