using PredictiveSharding.Forecasting.Lstm;
using PredictiveSharding.Keys;
using PredictiveSharding.Telemetry;
using PredictiveSharding.Topology;
using PredictiveSharding.TestKit;

namespace PredictiveSharding.Forecasting.Tests.Lstm;

public sealed class LstmForecasterTests
{
    [Test]
    public async Task FitAsync_SameSeed_ProducesIdenticalWeightsWhateverTheDegreeOfParallelism()
    {
        var history = SyntheticLoad.History(3, 300);
        var one = TinyOptions.Create();
        one.DegreeOfParallelism = 1;
        var two = TinyOptions.Create();
        two.DegreeOfParallelism = 2;
        var a = new LstmForecaster(one);
        var b = new LstmForecaster(two);

        await a.FitAsync(history, null, CancellationToken.None);
        await b.FitAsync(history, null, CancellationToken.None);

        Assert.That(b.Model!.Network.Parameters, Is.EqualTo(a.Model!.Network.Parameters));
    }

    [Test]
    public async Task FitAsync_DifferentSeed_ProducesDifferentWeights()
    {
        var history = SyntheticLoad.History(3, 300);
        var other = TinyOptions.Create();
        other.Seed = 99;
        var a = new LstmForecaster(TinyOptions.Create());
        var b = new LstmForecaster(other);

        await a.FitAsync(history, null, CancellationToken.None);
        await b.FitAsync(history, null, CancellationToken.None);

        Assert.That(b.Model!.Network.Parameters, Is.Not.EqualTo(a.Model!.Network.Parameters));
    }

    [Test]
    public async Task FitAsync_WithProgress_ReportsEveryEpochWithFiniteLosses()
    {
        var options = TinyOptions.Create(epochs: 3);
        options.EarlyStoppingPatience = 10;
        var sut = new LstmForecaster(options);
        var reports = new List<ForecasterProgress>();

        await sut.FitAsync(SyntheticLoad.History(3, 300), new SynchronousProgress<ForecasterProgress>(reports.Add), CancellationToken.None);

        Assert.That(reports.Select(r => r.Epoch), Is.EqualTo(new[] { 1, 2, 3 }));
        Assert.That(reports, Has.All.Matches<ForecasterProgress>(r => r.TotalEpochs == 3 && double.IsFinite(r.TrainingLoss) && double.IsFinite(r.ValidationLoss)));
    }

    [Test]
    public async Task FitAsync_StoppedEarly_LastReportGivesTheEpochsRunAsTheTotal()
    {
        // The last report said "epoch 3 of 60" although training had ended: a consumer showing progress, or waiting for
        // Epoch == TotalEpochs, never saw the fit finish.
        var options = TinyOptions.Create(epochs: 60);
        options.EarlyStoppingPatience = 1;
        var sut = new LstmForecaster(options);
        var reports = new List<ForecasterProgress>();

        await sut.FitAsync(SyntheticLoad.History(3, 300), new SynchronousProgress<ForecasterProgress>(reports.Add), CancellationToken.None);

        Assert.That(reports, Has.Count.LessThan(60), "patience 1 stops this fit early");
        Assert.That(reports.Select(r => r.Epoch), Is.EqualTo(Enumerable.Range(1, reports.Count)));
        Assert.That(reports[^1].TotalEpochs, Is.EqualTo(reports[^1].Epoch));
        Assert.That(reports.SkipLast(1), Has.All.Matches<ForecasterProgress>(r => r.TotalEpochs == 60));
    }

    [Test]
    public async Task FitAsync_CancelledDuringTraining_KeepsThePreviousModelUnchanged()
    {
        var history = SyntheticLoad.History(3, 300);
        var options = TinyOptions.Create(epochs: 50);
        options.EarlyStoppingPatience = 100;
        var sut = new LstmForecaster(options.Clone().With(o => o.Epochs = 2));
        await sut.FitAsync(history, null, CancellationToken.None);
        var before = sut.Model;
        var weights = before!.Network.Parameters.ToArray();
        using var cts = new CancellationTokenSource();
        var epochsSeen = 0;

        // Cancel from inside training, after the first epoch: the refit must be abandoned, not half applied.
        var progress = new SynchronousProgress<ForecasterProgress>(p =>
        {
            epochsSeen = p.Epoch;
            cts.Cancel();
        });

        Assert.CatchAsync<OperationCanceledException>(async () => await sut.FitAsync(SyntheticLoad.History(3, 320), progress, cts.Token));
        Assert.That(epochsSeen, Is.EqualTo(1));
        Assert.That(sut.Model, Is.SameAs(before));
        Assert.That(sut.Model!.Network.Parameters, Is.EqualTo(weights));
    }

    [Test]
    public async Task UpdateAsync_NewData_FineTunesWithoutReinitialising()
    {
        var sut = new LstmForecaster(TinyOptions.Create());
        await sut.FitAsync(SyntheticLoad.History(3, 300), null, CancellationToken.None);
        var before = sut.Model!.Network.Parameters.ToArray();

        await sut.UpdateAsync(SyntheticLoad.History(3, 330), CancellationToken.None);
        var after = sut.Model!.Network.Parameters;

        var change = Math.Sqrt(before.Zip(after, (x, y) => (double)(x - y) * (x - y)).Sum());
        var size = Math.Sqrt(before.Sum(x => (double)x * x));
        Assert.That(change, Is.GreaterThan(0));
        Assert.That(change / size, Is.LessThan(0.5), "an update should adjust the weights, not replace them");
    }

    [Test]
    public async Task UpdateAsync_FinishingAfterARefit_KeepsTheRefitModelAndTunesIt()
    {
        // The update started on the first model; the refit finished first. The update then wrote a tuned copy of the
        // first model over the refit, which was silently lost. The update is held after it has read the first model
        // until the refit has finished, so the race happens on every run (it used to need the update to outlast the
        // refit, which a machine's timing did not always give).
        var options = TinyOptions.Create(epochs: 1).With(o => (o.UpdateEpochs, o.EarlyStoppingPatience) = (3, 100));
        var sut = new LstmForecaster(options);
        await sut.FitAsync(SyntheticLoad.History(2, 300), null, CancellationToken.None);
        var first = sut.Model!;
        using var refitDone = new ManualResetEventSlim();
        sut.BeforeUpdateTrains = () => refitDone.Wait(TimeSpan.FromMinutes(5));

        var update = sut.UpdateAsync(SyntheticLoad.History(2, 320), CancellationToken.None);
        await sut.FitAsync(SyntheticLoad.History(3, 340), null, CancellationToken.None);
        var refit = sut.Model!;
        var updateFinishedFirst = update.IsCompleted;
        refitDone.Set();
        await update;

        Assert.Multiple(() =>
        {
            Assert.That(updateFinishedFirst, Is.False, "the update was held until the refit had finished");
            Assert.That(refit, Is.Not.SameAs(first));
            Assert.That(sut.Model!.Spec, Is.SameAs(refit.Spec), "the model after both is the refit's, fine-tuned");
            Assert.That(sut.Model.Network.Parameters, Is.Not.EqualTo(refit.Network.Parameters));
        });
    }

    [Test]
    public async Task UpdateAsync_DifferentStep_ThrowsArgumentExceptionAndKeepsTheModel()
    {
        var sut = new LstmForecaster(TinyOptions.Create());
        await sut.FitAsync(SyntheticLoad.History(3, 300), null, CancellationToken.None);
        var before = sut.Model;
        var halfHourly = new LoadHistory([new PartitionLoadSeries(SyntheticLoad.Id(0), TimeSpan.FromMinutes(30), Enumerable.Range(0, 100).Select(t => LoadBucket.OfRequests(SyntheticLoad.Start + TimeSpan.FromMinutes(30 * t), 5)).ToArray())]);

        var e = Assert.Throws<ArgumentException>(() => sut.UpdateAsync(halfHourly, CancellationToken.None));

        Assert.That(e!.Message, Does.Contain("00:30:00"));
        Assert.That(sut.Model, Is.SameAs(before));
    }

    [Test]
    public async Task ForecastAsync_HorizonLongerThanTrained_ThrowsArgumentExceptionNamingBoth()
    {
        var sut = new LstmForecaster(TinyOptions.Create(horizon: 12));
        var history = SyntheticLoad.History(3, 300);
        await sut.FitAsync(history, null, CancellationToken.None);

        var e = Assert.Throws<ArgumentException>(() => sut.ForecastAsync(new ForecastRequest(history, 13), CancellationToken.None));

        Assert.That(e!.Message, Does.Contain("13").And.Contain("12"));
    }

    [Test]
    public async Task ForecastAsync_SeriesShorterThanContext_ThrowsArgumentExceptionNamingIt()
    {
        var sut = new LstmForecaster(TinyOptions.Create());
        await sut.FitAsync(SyntheticLoad.History(3, 300), null, CancellationToken.None);
        var shortHistory = new LoadHistory([SyntheticLoad.FromValues(new PartitionId("newly-split"), new double[10])]);

        var e = Assert.Throws<ArgumentException>(() => sut.ForecastAsync(new ForecastRequest(shortHistory, 12), CancellationToken.None));

        Assert.That(e!.Message, Does.Contain("newly-split").And.Contain("24"));
    }

    [Test]
    public void FitAsync_LoadBeyondSinglePrecision_ThrowsArgumentExceptionNamingSeriesAndValueAndStaysUnfitted()
    {
        // Finite as a double, +∞ as the network's float: it was accepted and the fit failed as "diverged, lower LearningRate".
        var values = SyntheticLoad.Values(1, 300);
        values[150] = 1e39;
        var history = new LoadHistory([SyntheticLoad.Series(0, 300), SyntheticLoad.FromValues(new PartitionId("huge"), values)]);
        var sut = new LstmForecaster(TinyOptions.Create());

        var e = Assert.Throws<ArgumentException>(() => sut.FitAsync(history, null, CancellationToken.None));

        Assert.That(e!.Message, Does.Contain("huge").And.Contain("1E+39"));
        Assert.That(sut.IsFitted, Is.False);
    }

    [Test]
    public async Task ForecastAsync_LoadsNearTheSinglePrecisionLimit_ForecastsQuantilesAboveItInsteadOfFailing()
    {
        // Loads up to float.MaxValue are accepted; the network's upper quantiles, a little above the scale, multiplied
        // back into load units in single precision overflowed to +∞, and the forecast failed with an AggregateException
        // around QuantileSeries' "must be finite". A QuantileSeries holds doubles, which have room for them.
        // At the limit most of the time, a little below it at the daily and weekend lows.
        var values = SyntheticLoad.Values(0, 300).Select(v => Math.Min(v * 1e38, float.MaxValue)).ToArray();
        var history = new LoadHistory([SyntheticLoad.FromValues(new PartitionId("at-the-limit"), values)]);
        var sut = new LstmForecaster(TinyOptions.Create());
        await sut.FitAsync(history, null, CancellationToken.None);

        var forecast = await sut.ForecastAsync(new ForecastRequest(history, 12), CancellationToken.None);

        var series = forecast.Partitions[new PartitionId("at-the-limit")][ResourceKind.Requests];
        var all = Enumerable.Range(0, 12).SelectMany(s => series.AtStep(s).ToArray()).ToArray();
        Assert.That(all, Has.All.Matches<double>(double.IsFinite));
        Assert.That(all.Max(), Is.GreaterThan(float.MaxValue), "the case under test: a quantile beyond single precision");
        Assert.That(series[0, 1], Is.InRange(0.5 * float.MaxValue, 1.5 * float.MaxValue), "the median stays at the series' level");
    }

    [Test]
    public async Task ForecastAsync_LoadBeyondSinglePrecisionInTwoSeries_NamesTheFirstInRequestOrder()
    {
        // The series' features are built in parallel; the error must still be the one a serial pass meets first.
        var sut = new LstmForecaster(TinyOptions.Create());
        await sut.FitAsync(SyntheticLoad.History(2, 300), null, CancellationToken.None);
        var values = SyntheticLoad.Values(1, 300);
        values[290] = 1e39;
        var history = new LoadHistory([SyntheticLoad.FromValues(new PartitionId("first"), values), SyntheticLoad.FromValues(new PartitionId("second"), values)]);

        var e = Assert.Throws<ArgumentException>(() => sut.ForecastAsync(new ForecastRequest(history, 12) { Partitions = [new PartitionId("second"), new PartitionId("first")] }, CancellationToken.None));

        Assert.That(e!.Message, Does.Contain("'second'").And.Contain("1E+39"));
    }

    [Test]
    public async Task ForecastAsync_CancelledToken_GivesACancelledTask()
    {
        var sut = new LstmForecaster(TinyOptions.Create());
        var history = SyntheticLoad.History(2, 300);
        await sut.FitAsync(history, null, CancellationToken.None);
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        var forecast = sut.ForecastAsync(new ForecastRequest(history, 12), cancelled.Token);

        Assert.That(async () => await forecast, Throws.InstanceOf<OperationCanceledException>());
    }

    [Test]
    public async Task ForecastAsync_QuantileListChangedAfterTheCall_ForecastsTheLevelsTheCallChecked()
    {
        // The call checked the caller's list, and the forecast's task read it again later: a list the host reuses, changed
        // once the call had returned, gave a forecast of other levels than those checked, or (emptied) failed the task
        // with LoadForecast's "At least one quantile level is needed".
        var sut = new LstmForecaster(TinyOptions.Create());
        var history = SyntheticLoad.History(2, 300);
        await sut.FitAsync(history, null, CancellationToken.None);
        var levels = new List<double> { 0.1, 0.5, 0.9 };

        var pending = sut.ForecastAsync(new ForecastRequest(history, 12) { Quantiles = levels }, CancellationToken.None);
        levels.Clear();
        var forecast = await pending;

        Assert.That(forecast.Quantiles, Is.EqualTo(new[] { 0.1, 0.5, 0.9 }));
        Assert.That(forecast.Partitions[SyntheticLoad.Id(0)][ResourceKind.Requests].QuantileCount, Is.EqualTo(3));
    }

    [Test]
    public async Task ForecastAsync_PartitionListedTwice_ThrowsArgumentExceptionNamingIt()
    {
        // The baselines refuse this too; silently answering with one forecast for two requested entries hid the mistake.
        var sut = new LstmForecaster(TinyOptions.Create());
        var history = SyntheticLoad.History(2, 300);
        await sut.FitAsync(history, null, CancellationToken.None);
        var request = new ForecastRequest(history, 12) { Partitions = [SyntheticLoad.Id(1), SyntheticLoad.Id(0), SyntheticLoad.Id(1)] };

        var e = Assert.Throws<ArgumentException>(() => sut.ForecastAsync(request, CancellationToken.None));

        Assert.That(e!.Message, Does.Contain(SyntheticLoad.Id(1).Value).And.Contain("more than once"));
    }

    [Test]
    public async Task ForecastAsync_ShorterHorizonAndOtherLevels_InterpolatesWithinTrainedLevels()
    {
        var sut = new LstmForecaster(TinyOptions.Create());
        var history = SyntheticLoad.History(3, 300);
        await sut.FitAsync(history, null, CancellationToken.None);

        var full = await sut.ForecastAsync(new ForecastRequest(history, 12), CancellationToken.None);
        var part = await sut.ForecastAsync(new ForecastRequest(history, 5) { Quantiles = [0.3, 0.5] }, CancellationToken.None);

        var id = SyntheticLoad.Id(1);
        var f = full.Partitions[id][ResourceKind.Requests];
        var p = part.Partitions[id][ResourceKind.Requests];
        Assert.That(p.Steps, Is.EqualTo(5));
        for (var s = 0; s < 5; s++)
        {
            Assert.That(p[s, 1], Is.EqualTo(f[s, 1]));
            // Interpolation subtracts the two single-precision levels in float: exact to a float's rounding, not a double's.
            Assert.That(p[s, 0], Is.EqualTo((f[s, 0] + f[s, 1]) / 2).Within(1e-5).Percent);
        }
    }

    [Test]
    public async Task FitAsync_WithMetadataNodeMetricsAndRegions_UsesThemAsInputs()
    {
        var series = Enumerable.Range(0, 3).Select(i => SyntheticLoad.Series(i, 300)).ToList();
        series[0] = new PartitionLoadSeries(series[0].Partition, series[0].Step, series[0].Buckets.Select(b => b with { RegionRequests = new Dictionary<string, double> { ["eu"] = b.Requests * 0.25, ["us"] = b.Requests * 0.75 } }).ToArray());
        var node = new NodeId("n1");
        var infos = series.Select((s, i) => new PartitionInfo(s.Partition, KeyRange.Full, node, 1000L * (i + 1), 10L * (i + 1)) { AccessFrequency = i, RegionMix = new Dictionary<string, double> { ["ap"] = 1 } }).ToList();
        var samples = Enumerable.Range(0, 300).Select(t => new NodeResourceSample(node, SyntheticLoad.Start + (SyntheticLoad.Hour * t), 0.1 + (0.5 * (t % 24) / 24.0), 1e9, 1e6 * (1 + (t % 5)), 1e5)).ToList();
        var history = new LoadHistory(series, infos, samples);
        var sut = new LstmForecaster(TinyOptions.Create());

        await sut.FitAsync(history, null, CancellationToken.None);
        var forecast = await sut.ForecastAsync(new ForecastRequest(history, 12), CancellationToken.None);

        var spec = sut.Model!.Spec;
        Assert.That(spec.Regions, Is.EqualTo(new[] { "ap", "eu", "us" }));
        Assert.That(spec.InputSize, Is.EqualTo(1 + 4 + 2 + 1 + 3 + 4 + 3));
        Assert.That(forecast.Partitions, Has.Count.EqualTo(3));
        var features = spec.Build(series[0], new LoadHistoryIndex(history), 0);
        Assert.That(features.Node, Is.Not.Null);
        Assert.That(features.Regions![0..3], Is.EqualTo(new[] { 0f, 0.25f, 0.75f }));
        Assert.That(features.Metadata, Has.Some.Not.EqualTo(0f));
    }

    [Test]
    public async Task SaveAndLoad_RoundTrip_ForecastsIdentically()
    {
        var sut = new LstmForecaster(TinyOptions.Create());
        var history = SyntheticLoad.History(3, 300);
        await sut.FitAsync(history, null, CancellationToken.None);
        using var stream = new MemoryStream();

        sut.Save(stream);
        stream.Position = 0;
        var loaded = LstmForecaster.Load(stream);

        var a = await sut.ForecastAsync(new ForecastRequest(history, 12), CancellationToken.None);
        var b = await loaded.ForecastAsync(new ForecastRequest(history, 12), CancellationToken.None);
        Assert.That(loaded.IsFitted, Is.True);
        Assert.That(loaded.Options.HiddenSize, Is.EqualTo(8));
        foreach (var (id, resources) in a.Partitions)
        {
            for (var s = 0; s < 12; s++)
            {
                Assert.That(b.Partitions[id][ResourceKind.Requests].AtStep(s).ToArray(), Is.EqualTo(resources[ResourceKind.Requests].AtStep(s).ToArray()));
            }
        }
    }

    [TestCase(0, "magic")]
    [TestCase(9, "version")]
    [TestCase(40, "checksum")]
    [TestCase(-3, "checksum")]
    public async Task Load_ByteChanged_ThrowsInvalidDataExceptionNamingTheProblem(int position, string expected)
    {
        var bytes = await SavedModelAsync();
        var index = position >= 0 ? position : bytes.Length + position;
        bytes[index] ^= 0x5A;

        var e = Assert.Throws<InvalidDataException>(() => LstmForecaster.Load(new MemoryStream(bytes)));

        Assert.That(e!.Message, Does.Contain(expected));
    }

    [Test]
    [TestCase(1)]
    [TestCase(2)]
    [TestCase(3)]
    [TestCase(4)]
    [TestCase(5)]
    public async Task Load_OlderFormatVersion_ThrowsInvalidDataExceptionNamingBothVersions(int version)
    {
        // Version 1 had no calibration and version 2 additive per-level offsets that mean something else under version
        // 3's per-step, spread-relative ones; version 3 lacks the features' training ranges that version 4 clamps to;
        // version 4 networks were trained on windows scaled by the whole context's mean, not the last season's; version 5
        // files lack the seasonal-median setting: a current library refuses them rather than guess, and says to retrain.
        // (Version 6 still loads: it lacks only the seasonal profile setting, whose default is what it was trained with.)
        var bytes = await SavedModelAsync();
        System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(8), version);

        var e = Assert.Throws<InvalidDataException>(() => LstmForecaster.Load(new MemoryStream(bytes)));

        Assert.That(e!.Message, Does.Contain($"format version {version}").And.Contain("reads versions 6 to 7").And.Contain("Retrain"));
    }

    [Test]
    public async Task Load_NewerFormatVersion_ThrowsInvalidDataExceptionNamingBothVersions()
    {
        var bytes = await SavedModelAsync();
        System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(8), 8);

        var e = Assert.Throws<InvalidDataException>(() => LstmForecaster.Load(new MemoryStream(bytes)));

        Assert.That(e!.Message, Does.Contain("format version 8").And.Contain("reads versions 6 to 7"));
    }

    [Test]
    public async Task FitAsync_WeightAveraging_IsDeterministicAndChangesTheWeights()
    {
        var history = SyntheticLoad.History(3, 300);
        var averaged = new LstmForecaster(TinyOptions.Create(epochs: 3).With(o => o.WeightAveraging = true));
        var again = new LstmForecaster(TinyOptions.Create(epochs: 3).With(o => (o.WeightAveraging, o.DegreeOfParallelism) = (true, 1)));
        var plain = new LstmForecaster(TinyOptions.Create(epochs: 3));
        Assert.That(new LstmForecasterOptions().WeightAveraging, Is.False, "weight averaging is opt-in");

        await averaged.FitAsync(history, null, CancellationToken.None);
        await again.FitAsync(history, null, CancellationToken.None);
        await plain.FitAsync(history, null, CancellationToken.None);

        Assert.That(again.Model!.Network.Parameters, Is.EqualTo(averaged.Model!.Network.Parameters));
        Assert.That(plain.Model!.Network.Parameters, Is.Not.EqualTo(averaged.Model.Network.Parameters));
        Assert.That(averaged.Model.Network.Parameters, Has.All.Matches<float>(float.IsFinite));
    }

    [Test]
    public void WeightAveragingDecay_SpansAboutOneEpochOfStepsAndIsZeroWhenOff()
    {
        var options = new LstmForecasterOptions { WindowsPerEpoch = 4096, BatchSize = 128, WeightAveraging = true };

        Assert.That(LstmTrainer.WeightAveragingDecay(options, 1_000_000), Is.EqualTo(1 - (1.0 / 32)).Within(1e-12));
        Assert.That(LstmTrainer.WeightAveragingDecay(options, 640), Is.EqualTo(0.9).Within(1e-12), "few windows: at least 10 steps");
        Assert.That(LstmTrainer.WeightAveragingDecay(options.Clone().With(o => o.WeightAveraging = false), 1_000_000), Is.Zero);
    }

    [Test]
    public async Task FitAsync_CalibrationOnAndOff_StoresOffsetsOnlyWhenOn()
    {
        // 8 series × 30 held-out buckets: above the 200 distinct held-out buckets calibration needs.
        var history = SyntheticLoad.History(8, 300);
        var on = new LstmForecaster(TinyOptions.Create().With(o => o.CalibrateQuantiles = true));
        var off = new LstmForecaster(TinyOptions.Create());
        Assert.That(new LstmForecasterOptions().CalibrateQuantiles, Is.False, "calibration is opt-in");

        await on.FitAsync(history, null, CancellationToken.None);
        await off.FitAsync(history, null, CancellationToken.None);

        Assert.That(on.Model!.IsCalibrated, Is.True);
        Assert.That(off.Model!.IsCalibrated, Is.False);
        Assert.That(off.Model.Calibration, Is.All.EqualTo(0f));
    }

    [Test]
    public async Task FitAsync_FewHeldOutBuckets_LeavesTheQuantilesUncalibrated()
    {
        // 3 series × 30 held-out buckets = 90 distinct observations: too few to set the 0.1 and 0.9 offsets on.
        var sut = new LstmForecaster(TinyOptions.Create().With(o => o.CalibrateQuantiles = true));

        await sut.FitAsync(SyntheticLoad.History(3, 300), null, CancellationToken.None);

        Assert.That(sut.Model!.IsCalibrated, Is.False);
    }

    [Test]
    public async Task SaveAndLoad_CalibratedModel_KeepsTheOffsets()
    {
        var sut = new LstmForecaster(TinyOptions.Create().With(o => (o.CalibrateQuantiles, o.WeightAveraging) = (true, true)));
        await sut.FitAsync(SyntheticLoad.History(8, 300), null, CancellationToken.None);
        using var stream = new MemoryStream();

        sut.Save(stream);
        stream.Position = 0;
        var loaded = LstmForecaster.Load(stream);

        Assert.That(sut.Model!.IsCalibrated, Is.True);
        Assert.That(loaded.Model!.Calibration, Is.EqualTo(sut.Model.Calibration));
        Assert.That(loaded.Options.CalibrateQuantiles, Is.True);
        Assert.That(loaded.Options.WeightAveraging, Is.True);
        Assert.That(loaded.Model.Calibration, Has.Length.EqualTo(sut.Model.Network.HeadOutputSize), "one offset per step and level");
    }

    [TestCase(4)]
    [TestCase(15)]
    [TestCase(100)]
    [TestCase(-1)]
    public async Task Load_Truncated_ThrowsInvalidDataExceptionSayingTruncated(int keep)
    {
        var bytes = await SavedModelAsync();
        var length = keep >= 0 ? keep : bytes.Length + keep;

        var e = Assert.Throws<InvalidDataException>(() => LstmForecaster.Load(new MemoryStream(bytes, 0, length)));

        Assert.That(e!.Message, Does.Contain(keep == 4 ? "magic" : "truncated"));
    }

    [TestCase(int.MaxValue, "impossible")]
    [TestCase(2_000_000_000L, "truncated")]
    [TestCase(1_000_000L, "truncated")]
    public async Task Load_NonSeekableStreamDeclaringMorePayloadThanItHolds_ThrowsInvalidDataExceptionWithoutAllocatingIt(long declared, string expected)
    {
        // The length field sits outside the checksum: damaged, it must not make the reader allocate what it declares.
        var bytes = await SavedModelAsync();
        BitConverter.GetBytes(declared).CopyTo(bytes, 12);
        var allocatedBefore = GC.GetAllocatedBytesForCurrentThread();

        var e = Assert.Throws<InvalidDataException>(() => LstmForecaster.Load(new NonSeekableStream(bytes)));

        Assert.That(e!.Message, Does.Contain(expected));
        Assert.That(GC.GetAllocatedBytesForCurrentThread() - allocatedBefore, Is.LessThan(64L << 20));
    }

    [Test]
    public async Task Load_NonSeekableStream_ReadsTheModel()
    {
        var bytes = await SavedModelAsync();

        var loaded = LstmForecaster.Load(new NonSeekableStream(bytes));

        using var again = new MemoryStream();
        loaded.Save(again);
        Assert.That(again.ToArray(), Is.EqualTo(bytes));
    }

    [Test]
    public void SaveAndExport_BeforeFit_ThrowInvalidOperationException()
    {
        var sut = new LstmForecaster(TinyOptions.Create());

        Assert.That(() => sut.Save(new MemoryStream()), Throws.InvalidOperationException);
        Assert.That(() => sut.ExportOnnx(new MemoryStream()), Throws.InvalidOperationException);
    }

    [Test]
    public async Task ForecastAsync_AdaptiveCalibration_RaisesIntervalsAfterActualsAboveThemAndKeepsTheMedian()
    {
        // Two copies of one saved model (the rate is saved; the adaptive offsets start at zero after Load). One forecasts
        // at an earlier origin and then sees actuals three times the load there; the other sees only the later history.
        // Both forecast the same later history, so only the offsets differ: every actual was above every level, so the
        // first copy's interval levels must be higher and its median the same.
        var fitted = new LstmForecaster(TinyOptions.Create(epochs: 1).With(o => o.AdaptiveCalibrationRate = 0.2));
        var values = SyntheticLoad.Values(0, 200);
        await fitted.FitAsync(new LoadHistory([SyntheticLoad.FromValues(SyntheticLoad.Id(0), values)]), null, CancellationToken.None);
        using var stream = new MemoryStream();
        fitted.Save(stream);
        var adapted = LstmForecaster.Load(new MemoryStream(stream.ToArray()));
        var fresh = LstmForecaster.Load(new MemoryStream(stream.ToArray()));
        Assert.That(adapted.Options.AdaptiveCalibrationRate, Is.EqualTo(0.2));

        var id = SyntheticLoad.Id(0);
        var later = values.Concat(values.Skip(176).Take(12).Select(v => 3 * v)).ToArray();
        await adapted.ForecastAsync(new ForecastRequest(new LoadHistory([SyntheticLoad.FromValues(id, values)]), 12), CancellationToken.None);
        var request = new ForecastRequest(new LoadHistory([SyntheticLoad.FromValues(id, later)]), 12);
        var a = await adapted.ForecastAsync(request, CancellationToken.None);
        var b = await fresh.ForecastAsync(request, CancellationToken.None);

        for (var h = 0; h < 12; h++)
        {
            Assert.That(a.ValueAt(id, ResourceKind.Requests, h, 0.5), Is.EqualTo(b.ValueAt(id, ResourceKind.Requests, h, 0.5)));
            Assert.That(a.ValueAt(id, ResourceKind.Requests, h, 0.9), Is.GreaterThan(b.ValueAt(id, ResourceKind.Requests, h, 0.9)));
            Assert.That(a.ValueAt(id, ResourceKind.Requests, h, 0.99), Is.GreaterThan(b.ValueAt(id, ResourceKind.Requests, h, 0.99)));
        }
    }

    [TestCase(new[] { 7, 28 }, 7)]
    [TestCase(new[] { 24 }, 24)]
    [TestCase(new int[0], 24)]
    public void WriteWindow_ScalesByTheLastSeasonOfTheContext(int[] lags, int window)
    {
        // Context 24: with a shortest lag of 7 steps the scale is 1 + the mean of the last 7 steps; with a lag as long as
        // the context, or none, of the whole context.
        var stats = new float[LstmFeatureSpec.StatisticsLength];
        Array.Fill(stats, 1f, LstmFeatureSpec.StandardisedCount, LstmFeatureSpec.StandardisedCount);
        var spec = new LstmFeatureSpec(TimeSpan.FromHours(1), 24, 2, lags, [], stats);
        var values = Enumerable.Range(0, 60).Select(t => (double)(t % 5) + (t >= 50 ? 10 : 0)).ToArray();
        var series = SyntheticLoad.FromValues(SyntheticLoad.Id(0), values);
        var features = spec.Build(series, new LoadHistoryIndex(new LoadHistory([series])), 0);
        var start = 60 - 24 - 2;
        var x = new float[24 * spec.InputSize];
        var future = new float[2 * lags.Length];

        var scale = spec.WriteWindow(features, start, x, spec.InputSize, 0, future, new float[2]);

        Assert.That(spec.ScaleWindow, Is.EqualTo(window));
        Assert.That(scale, Is.EqualTo(1 + values.Skip(start + 24 - window).Take(window).Average()).Within(1e-4));
    }

    private static async Task<byte[]> SavedModelAsync()
    {
        var sut = new LstmForecaster(TinyOptions.Create(epochs: 1));
        await sut.FitAsync(SyntheticLoad.History(2, 200), null, CancellationToken.None);
        using var stream = new MemoryStream();
        sut.Save(stream);
        return stream.ToArray();
    }

    /// <summary>A read-only stream that cannot seek (a network or decompression stream), handing out a few bytes per read.</summary>
    private sealed class NonSeekableStream(byte[] bytes) : Stream
    {
        private readonly MemoryStream _inner = new(bytes);

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => _inner.Read(buffer, offset, Math.Min(count, 1000));

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
