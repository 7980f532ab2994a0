using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers.FastTree;
using PredictiveSharding.Forecasting.Baselines;
using PredictiveSharding.Forecasting.Features;
using PredictiveSharding.Topology;

namespace PredictiveSharding.Forecasting.Tests.Baselines;

public sealed class FastTreeForecasterTests
{
    private static FastTreeForecasterOptions SmallOptions() => new() { SeasonLength = 24, NumberOfTrees = 30, MaxHorizon = 24, NumberOfThreads = 1 };

    [Test]
    public void TreeEnsembleEvaluator_TrainedEnsemble_MatchesMlNetScores()
    {
        var options = SmallOptions();
        var trainer = new FastTreeModelTrainer(options);
        var series = new[] { StoredSeries.From(TestSeries.From("a", TestSeries.Seasonal(200, 24, 100, noise: 0.2)), "h") };
        var rows = trainer.Rows(series, s => s.Values.Length);
        var ml = new MLContext(options.Seed);
        var data = ml.Data.LoadFromEnumerable(rows);
        var model = ml.Regression.Trainers.FastTree(new FastTreeRegressionTrainer.Options
        {
            NumberOfTrees = options.NumberOfTrees,
            Seed = options.Seed,
            NumberOfThreads = 1,
            LabelColumnName = nameof(FastTreeTrainingRow.Label),
            FeatureColumnName = nameof(FastTreeTrainingRow.Features),
        }).Fit(data);

        var scores = model.Transform(data).GetColumn<float>("Score").ToArray();
        var evaluator = new TreeEnsembleEvaluator(model.Model.TrainedTreeEnsemble);

        for (var i = 0; i < rows.Count; i++)
        {
            Assert.That(evaluator.Predict(rows[i].Features), Is.EqualTo(scores[i]).Within(1e-4), $"row {i}");
        }
    }

    [Test]
    public async Task ForecastAsync_SameSeed_GivesTheSameForecast()
    {
        var history = TestSeries.History(TestSeries.From("a", TestSeries.Seasonal(240, 24, 100, noise: 0.2)), TestSeries.From("b", TestSeries.Seasonal(240, 24, 30, noise: 0.2, seed: 2)));
        var first = new FastTreeForecaster(SmallOptions());
        var second = new FastTreeForecaster(SmallOptions());
        await first.FitAsync(history, null, CancellationToken.None);
        await second.FitAsync(history, null, CancellationToken.None);

        var a = await first.ForecastAsync(new ForecastRequest(history, 12), CancellationToken.None);
        var b = await second.ForecastAsync(new ForecastRequest(history, 12), CancellationToken.None);

        foreach (var partition in new[] { new PartitionId("a"), new PartitionId("b") })
        {
            for (var h = 0; h < 12; h++)
            {
                Assert.That(b.Partitions[partition][ResourceKind.Requests].AtStep(h).ToArray(), Is.EqualTo(a.Partitions[partition][ResourceKind.Requests].AtStep(h).ToArray()));
            }
        }
    }

    [Test]
    public async Task ForecastAsync_CleanSeasonalSeries_MedianWithinTenPercentOfTruth()
    {
        var values = TestSeries.Seasonal(336, 24, 100, noise: 0.02);
        var history = TestSeries.History(TestSeries.From("a", values[..312]));
        var sut = new FastTreeForecaster(SmallOptions());
        await sut.FitAsync(history, null, CancellationToken.None);

        var forecast = await sut.ForecastAsync(new ForecastRequest(history, 24) { Quantiles = [0.5] }, CancellationToken.None);

        var series = forecast.Partitions[new PartitionId("a")][ResourceKind.Requests];
        var truth = TestSeries.Seasonal(336, 24, 100);
        for (var h = 0; h < 24; h++)
        {
            Assert.That(series[h, 0], Is.EqualTo(truth[312 + h]).Within(10).Percent, $"step {h}");
        }
    }

    [Test]
    public async Task ForecastAsync_PartitionNotSeenAtFit_IsForecastFromItsContext()
    {
        var sut = new FastTreeForecaster(SmallOptions());
        await sut.FitAsync(TestSeries.History(TestSeries.From("a", TestSeries.Seasonal(240, 24, 100, noise: 0.1))), null, CancellationToken.None);
        var newcomer = TestSeries.History(TestSeries.From("new", TestSeries.Seasonal(48, 24, 1000, noise: 0.1)));

        var forecast = await sut.ForecastAsync(new ForecastRequest(newcomer, 6) { Quantiles = [0.5] }, CancellationToken.None);

        // Per-series scaling carries the newcomer's level even though the model only saw a series ten times smaller.
        Assert.That(forecast.Partitions[new PartitionId("new")][ResourceKind.Requests][0, 0], Is.GreaterThan(400.0));
    }

    [Test]
    public async Task ForecastAsync_HorizonBeyondMaxHorizon_ThrowsNamingBoth()
    {
        var history = TestSeries.History(TestSeries.From("a", TestSeries.Seasonal(240, 24, 100, noise: 0.1)));
        var sut = new FastTreeForecaster(SmallOptions());
        await sut.FitAsync(history, null, CancellationToken.None);

        var e = Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await sut.ForecastAsync(new ForecastRequest(history, 25), CancellationToken.None));

        Assert.That(e!.Message, Does.Contain("25").And.Contain("MaxHorizon 24"));
    }

    [Test]
    public void Constructor_ValidationFractionTooLarge_ThrowsNamingTheOption()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => _ = new FastTreeForecaster(new FastTreeForecasterOptions { ValidationFraction = 0.9 }));

        Assert.That(e!.ParamName, Is.EqualTo(nameof(FastTreeForecasterOptions.ValidationFraction)));
    }

    [Test]
    public void Constructor_MaxHistoryLengthShorterThanOneTrainingRow_ThrowsNamingTheOptionAndValue()
    {
        // A training row needs two seasons of context and a target: with 10 retained steps of a 24-step season no series,
        // however long, could be trained on, and the fit blamed the series.
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => _ = new FastTreeForecaster(new FastTreeForecasterOptions { SeasonLength = 24, MaxHistoryLength = 10 }));

        Assert.That(e!.ParamName, Is.EqualTo(nameof(FastTreeForecasterOptions.MaxHistoryLength)));
        Assert.That(e.Message, Does.Contain("49").And.Contain("10"));
    }

    [Test]
    public void Constructor_SeasonWhoseTwoSeasonsExceedInt_ThrowsNamingMaxHistoryLength()
    {
        // The two seasons of context wrapped round to a negative length, so the context became the minimum of 3 steps: the
        // options passed and the fit failed with an IndexOutOfRangeException slicing a season out of 3 values.
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => _ = new FastTreeForecaster(new FastTreeForecasterOptions { SeasonLength = (int.MaxValue / 2) + 1 }));

        Assert.That(e!.ParamName, Is.EqualTo(nameof(FastTreeForecasterOptions.MaxHistoryLength)));
        Assert.That(e.Message, Does.Contain("2147483649").And.Contain("8760"));
    }

    [TestCase(10_001)]
    [TestCase(int.MaxValue)]
    public void Constructor_MaxHorizonAboveTenThousand_ThrowsNamingTheOptionAndValue(int maxHorizon)
    {
        // MaxHorizon had no upper bound: int.MaxValue passed validation and the fit failed after training its first
        // model, allocating a pool of errors per horizon step (an OutOfMemoryException that named no option).
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => _ = new FastTreeForecaster(new FastTreeForecasterOptions { MaxHorizon = maxHorizon }));

        Assert.That(e!.ParamName, Is.EqualTo(nameof(FastTreeForecasterOptions.MaxHorizon)));
        Assert.That(e.Message, Does.Contain(maxHorizon.ToString(System.Globalization.CultureInfo.InvariantCulture)).And.Contain("10000"));
    }

    [TestCase(131_073)]
    [TestCase(int.MaxValue)]
    public void Constructor_NumberOfLeavesAboveLightGbmsLimit_ThrowsNamingTheOptionAndValue(int leaves)
    {
        // No upper bound either: int.MaxValue failed the fit with an OutOfMemoryException from ML.NET's trainer.
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => _ = new FastTreeForecaster(new FastTreeForecasterOptions { NumberOfLeaves = leaves }));

        Assert.That(e!.ParamName, Is.EqualTo(nameof(FastTreeForecasterOptions.NumberOfLeaves)));
        Assert.That(e.Message, Does.Contain(leaves.ToString(System.Globalization.CultureInfo.InvariantCulture)).And.Contain("131072"));
    }

    [Test]
    public async Task FitAsync_AtTheUpperBoundsOfMaxHorizonAndNumberOfLeaves_Fits()
    {
        var sut = new FastTreeForecaster(new FastTreeForecasterOptions { SeasonLength = 24, MaxHorizon = 10_000, NumberOfLeaves = 131_072, NumberOfTrees = 2, MinimumExampleCountPerLeaf = 5, NumberOfThreads = 1 });
        var history = TestSeries.History(TestSeries.From("a", TestSeries.Seasonal(240, 24, 100, noise: 0.1)));

        await sut.FitAsync(history, null, CancellationToken.None);

        var forecast = await sut.ForecastAsync(new ForecastRequest(history, 100), CancellationToken.None);
        Assert.That(forecast.Horizon, Is.EqualTo(100));
    }

    [Test]
    public async Task FitAsync_LoadsWhoseSeasonSumsPastDoubleMaxValue_FitsAndForecastsFiniteQuantiles()
    {
        // Finite loads, accepted as such, but two seasons of them sum past double.MaxValue: the scale (1 + their mean)
        // was infinite, every feature NaN, and the fit's task failed with ML.NET's InvalidOperationException "All
        // instances skipped due to missing features" instead of fitting (or refusing the history as bad input).
        var values = TestSeries.Seasonal(240, 24, 1e307, noise: 0.1);
        var history = TestSeries.History(TestSeries.From("a", values), TestSeries.From("b", TestSeries.Seasonal(240, 24, 100, noise: 0.1, seed: 2)));
        var sut = new FastTreeForecaster(new FastTreeForecasterOptions { SeasonLength = 24, MaxHorizon = 4, NumberOfTrees = 5, MinimumExampleCountPerLeaf = 5, NumberOfThreads = 1 });

        await sut.FitAsync(history, null, CancellationToken.None);
        var forecast = await sut.ForecastAsync(new ForecastRequest(history, 4), CancellationToken.None);

        var median = forecast.ValueAt(new PartitionId("a"), ResourceKind.Requests, 0, 0.5);
        Assert.That(median, Is.GreaterThan(1e306).And.LessThan(double.PositiveInfinity));
    }

    [Test]
    public void Constructor_NonPositiveLearningRate_ThrowsNamingTheOption()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => _ = new FastTreeForecaster(new FastTreeForecasterOptions { LearningRate = 0 }));

        Assert.That(e!.ParamName, Is.EqualTo(nameof(FastTreeForecasterOptions.LearningRate)));
    }

    [Test]
    public async Task UpdateAsync_TwoUpdatesAtOnce_KeepsTheBucketsOfBoth()
    {
        // Documented thread-safe: the second update read the state before the first had trained and written it, so the
        // first one's buckets were dropped, and continuing that partition later was refused as a gap.
        var options = new FastTreeForecasterOptions { SeasonLength = 24, NumberOfTrees = 5, MaxHorizon = 2, NumberOfThreads = 1 };
        var a = TestSeries.Seasonal(240, 24, 100, noise: 0.2);
        var b = TestSeries.Seasonal(240, 24, 30, noise: 0.2, seed: 2);
        var sut = new FastTreeForecaster(options);
        await sut.FitAsync(TestSeries.History(TestSeries.From("a", a[..192]), TestSeries.From("b", b[..192])), null, CancellationToken.None);

        var first = sut.UpdateAsync(TestSeries.History(TestSeries.From("a", a[..216])), CancellationToken.None);
        var second = sut.UpdateAsync(TestSeries.History(TestSeries.From("b", b[..216])), CancellationToken.None);
        await Task.WhenAll(first, second);

        var continuation = TestSeries.History(
            TestSeries.From("a", a[216..], start: TestSeries.Start + (TestSeries.Hour * 216)),
            TestSeries.From("b", b[216..], start: TestSeries.Start + (TestSeries.Hour * 216)));
        Assert.That(async () => await sut.UpdateAsync(continuation, CancellationToken.None), Throws.Nothing);
    }

    [Test]
    public void FitAsync_TooFewHeldOutErrors_ThrowsArgumentExceptionFromTheCallNamingTheCounts()
    {
        // 60 hourly steps with a season of 24: each row needs 48 steps of context, so the held-out tail is 20% of 12 steps,
        // 2 origins, 2 one-step errors against MinimumResiduals 8. The fit's task failed with that after training a model;
        // the LSTM and the other baselines refuse a history too short for them from the call, before training.
        var history = TestSeries.History(TestSeries.From("a", TestSeries.Seasonal(60, 24, 100, noise: 0.2)));
        var sut = new FastTreeForecaster(SmallOptions());
        Task? task = null;

        var e = Assert.Throws<ArgumentException>(() => task = sut.FitAsync(history, null, CancellationToken.None));

        Assert.That(task, Is.Null);
        Assert.That(e!.ParamName, Is.EqualTo("history"));
        Assert.That(e.Message, Does.Contain("2 one-step").And.Contain("MinimumResiduals 8"));
        Assert.That(sut.IsFitted, Is.False);
    }

    [Test]
    public void FitAsync_TooFewTrainingRows_ThrowsArgumentExceptionFromTheCallNamingTheCounts()
    {
        // 49 steps: one origin per series, one row for the held-out model (tail 0), fewer than twice the leaf size (40).
        var options = SmallOptions();
        options.MinimumExampleCountPerLeaf = 20;
        options.MinimumResiduals = 1;
        options.ValidationFraction = 0.5;
        var history = TestSeries.History(TestSeries.From("a", TestSeries.Seasonal(52, 24, 100, noise: 0.2)));
        var sut = new FastTreeForecaster(options);

        var e = Assert.Throws<ArgumentException>(() => _ = sut.FitAsync(history, null, CancellationToken.None));

        Assert.That(e!.ParamName, Is.EqualTo("history"));
        Assert.That(e.Message, Does.Contain("training rows").And.Contain("40"));
    }
}
