using PredictiveSharding.Forecasting.Lstm;
using PredictiveSharding.Telemetry;
using PredictiveSharding.Topology;

namespace PredictiveSharding.Forecasting.Tests.Lstm;

/// <summary>
/// The head's seasonal-median inputs (<see cref="LstmForecasterOptions.SeasonalMedianSeasons"/>): what the windows hold,
/// which simple forecast the head starts from, and that on bursty seasonal load the median keeps a one-off burst from
/// being forecast again a season later; and the seasonal profile over more seasons
/// (<see cref="LstmForecasterOptions.SeasonalProfileSeasons"/>): a trimmed mean over what the history already holds.
/// </summary>
public sealed class LstmSeasonalMedianTests
{
    private const int Season = 24;

    /// <summary>Length of the rolling-origin tests' series: five weeks, the last held out.</summary>
    private const int FiveWeeks = 24 * 7 * 5;

    private const int FirstOrigin = FiveWeeks - (24 * 7);

    [Test]
    public void WriteWindow_WithSeasonalMedian_WritesEachStepsNaiveValueThenItsMedian()
    {
        // Lag 4, three seasons: the target phase holds 1, 2, 30 (oldest first) before the window ends, so seasonal naive
        // says 30 (a burst) and the median says 2.
        var spec = Spec([4], medianSeasons: 3, contextLength: 4, horizon: 2);
        var values = new double[] { 0, 0, 1, 5, 0, 0, 2, 6, 0, 0, 30, 7, 0, 0, 9, 9 };
        var features = Build(spec, values);
        var future = new float[2 * spec.FutureWidth];

        var scale = spec.WriteWindow(features, values.Length - 4 - 2, new float[4 * spec.InputSize], spec.InputSize, 0, future, new float[2]);

        // The window is steps 10..13 (30, 7, 0, 0), known = 14; step 14's phase was last seen at 10 (30), then 6 (2) and 2 (1).
        Assert.That(spec.FutureWidth, Is.EqualTo(2));
        Assert.That(future[0] * scale, Is.EqualTo(30).Within(1e-4), "step 0: seasonal naive");
        Assert.That(future[1] * scale, Is.EqualTo(2).Within(1e-4), "step 0: median of 30, 2, 1");
        Assert.That(future[2] * scale, Is.EqualTo(7).Within(1e-4), "step 1: seasonal naive");
        Assert.That(future[3] * scale, Is.EqualTo(6).Within(1e-4), "step 1: median of 7, 6, 5");
    }

    [Test]
    public void WriteWindow_FewerSeasonsThanAsked_TakesTheMedianOfThoseObserved()
    {
        // Lag 4, five seasons asked, only two observed before the target: the median of two is their mean.
        var spec = Spec([4], medianSeasons: 5, contextLength: 4, horizon: 1);
        var values = new double[] { 3, 0, 0, 0, 11, 0, 0, 0, 99 };
        var features = Build(spec, values);
        var future = new float[spec.FutureWidth];

        var scale = spec.WriteWindow(features, values.Length - 4 - 1, new float[4 * spec.InputSize], spec.InputSize, 0, future, new float[1]);

        Assert.That(future[0] * scale, Is.EqualTo(11).Within(1e-4));
        Assert.That(future[1] * scale, Is.EqualTo(7).Within(1e-4));
    }

    [Test]
    public void FutureWidth_OneInputPerLagPlusTheShortestLagsMedian()
    {
        Assert.That(Spec([24, 168], medianSeasons: 0).FutureWidth, Is.EqualTo(2));
        Assert.That(Spec([24, 168], medianSeasons: 3).FutureWidth, Is.EqualTo(3));
        Assert.That(Spec([], medianSeasons: 3).FutureWidth, Is.EqualTo(0));
    }

    [Test]
    public void WriteWindow_TwoLags_WritesBothNaiveValuesThenOnlyTheShortestLagsMedian()
    {
        // Lags 2 and 4, three seasons: after 9, 1, 8, 2, 7, 3, 6, 4 the next step's phase under lag 2 was 6, 7, 8 (median 7)
        // and under lag 4 it was 7 (seasonal naive).
        var spec = Spec([2, 4], medianSeasons: 3, contextLength: 2, horizon: 1);
        var values = new double[] { 9, 1, 8, 2, 7, 3, 6, 4, 5 };
        var features = Build(spec, values);
        var future = new float[spec.FutureWidth];

        var scale = spec.WriteWindow(features, values.Length - 2 - 1, new float[2 * spec.InputSize], spec.InputSize, 0, future, new float[1]);

        Assert.That(future.Select(f => Math.Round(f * scale, 3)), Is.EqualTo(new[] { 6.0, 7.0, 7.0 }));
        Assert.That(spec.HistoryReach, Is.EqualTo(6), "three seasons of the shortest lag (2) reach further than the longest lag (4)");
    }

    [Test]
    public void InitialHeadInput_BurstySeries_StartsFromTheMedian()
    {
        var spec = Spec([Season], medianSeasons: 3);
        var series = Enumerable.Range(0, 4).Select(i => Build(spec, Bursty(i, 24 * 14))).ToArray();

        Assert.That(spec.InitialHeadInput(series), Is.EqualTo(1), "the first lag's median input sits after the one seasonal-naive input");
    }

    [Test]
    public void InitialHeadInput_SeriesWithAGrowingSeason_StartsFromSeasonalNaive()
    {
        // Each day 5% busier than the last: the latest season is always nearer than the median of three.
        var spec = Spec([Season], medianSeasons: 3);
        var values = Enumerable.Range(0, 24 * 14).Select(t => Math.Pow(1.05, t / Season) * (10 + (t % Season))).ToArray();

        Assert.That(spec.InitialHeadInput([Build(spec, values)]), Is.EqualTo(0));
    }

    [Test]
    public void InitialHeadInput_MediansOff_IsSeasonalNaive()
    {
        var spec = Spec([Season], medianSeasons: 0);

        Assert.That(spec.InitialHeadInput([Build(spec, Bursty(0, 24 * 14))]), Is.EqualTo(0));
    }

    [Test]
    public void Initialize_SeasonalInputOutOfRange_ThrowsNamingIt()
    {
        var network = new LstmNetwork(inputSize: 5, hiddenSize: 4, layers: 1, horizon: 2, quantiles: 3, lagCount: 2);

        var e = Assert.Throws<ArgumentOutOfRangeException>(() => network.Initialize(new Random(1), seasonalInput: 2));

        Assert.That(e!.ParamName, Is.EqualTo("seasonalInput"));
        Assert.That(e.Message, Does.Contain("2"));
    }

    [Test]
    public async Task ForecastAsync_BurstySeasonalLoad_MedianInputsBeatSeasonalNaiveAndTheNetworkWithout()
    {
        // Eight series with a daily cycle and, at 4% of steps, a one-off burst of 6×: seasonal naive forecasts every burst
        // again a day later. Rolling origins over the last week, as forecast-eval does.
        var values = EightSeries(Bursty);

        var withMedian = await MaseAsync(values, medianSeasons: 3);
        var without = await MaseAsync(values, medianSeasons: 0);
        var naive = values.Average(v => NaiveMase(v, FirstOrigin));

        TestContext.Out.WriteLine($"MASE: with medians {withMedian:F3}, without {without:F3}, seasonal naive {naive:F3}");
        Assert.That(withMedian, Is.LessThan(0.8 * naive));
        Assert.That(withMedian, Is.LessThan(without));
    }

    [Test]
    public void WriteWindow_ProfileOverSevenSeasons_IsTheMeanWithoutTheLowestAndHighest()
    {
        // Lags 4 and 28: the network reads 28 steps back anyway, which holds seven seasons of lag 4. The target phase's
        // latest seven values, newest first, are 10, 1, 2, 3, 4, 5, 100: the median of three says 2, the profile drops 1
        // and 100 and averages the rest, 4.8.
        var values = new double[33];
        double[] phase = [10, 1, 2, 3, 4, 5, 100];
        for (var k = 0; k < phase.Length; k++)
        {
            values[32 - (4 * (k + 1))] = phase[k];
        }

        var profile = Spec([4, 28], medianSeasons: 3, contextLength: 4, horizon: 1, profileSeasons: 8);
        var median = Spec([4, 28], medianSeasons: 3, contextLength: 4, horizon: 1);

        Assert.That(profile.ProfileSeasons, Is.EqualTo(7));
        Assert.That(profile.FutureWidth, Is.EqualTo(3), "the profile takes the median's place: no new input");
        Assert.That(FutureInputs(profile, values)[2], Is.EqualTo(4.8).Within(1e-4));
        Assert.That(FutureInputs(median, values)[2], Is.EqualTo(2).Within(1e-4));
        Assert.That(FutureInputs(profile, values)[0], Is.EqualTo(10).Within(1e-4), "seasonal naive is unchanged");
    }

    [Test]
    [TestCase(new[] { 24, 168 }, 3, 8, 7)]
    [TestCase(new[] { 24, 168 }, 3, 5, 5)]
    [TestCase(new[] { 24, 168 }, 3, 0, 3)]
    [TestCase(new[] { 24 }, 3, 8, 3)]
    [TestCase(new[] { 24 }, 4, 8, 4)]
    [TestCase(new[] { 7 }, 3, 8, 3)]
    public void ProfileSeasons_SpansWhatTheHistoryAlreadyHoldsWithinTheLimit(int[] lags, int medianSeasons, int profileSeasons, int expected)
    {
        var spec = Spec(lags, medianSeasons, profileSeasons: profileSeasons);
        var without = Spec(lags, medianSeasons);

        Assert.That(spec.ProfileSeasons, Is.EqualTo(expected));
        Assert.That(spec.HistoryReach, Is.EqualTo(without.HistoryReach), "the profile reads no further back than the network does");
    }

    [Test]
    [TestCase(0, 0)]
    [TestCase(3, 3)]
    [TestCase(8, 3)]
    [TestCase(8, 8)]
    public void Validate_ProfileInRange_Passes(int profileSeasons, int medianSeasons) =>
        Assert.DoesNotThrow(new LstmForecasterOptions { SeasonalMedianSeasons = medianSeasons, SeasonalProfileSeasons = profileSeasons }.Validate);

    [Test]
    public async Task FitAndForecast_HistoryHoldingThreeSeasonsOnly_SameWithAndWithoutTheProfile()
    {
        // One lag of a day and a median of three days: the network reads three days back, so the profile spans three
        // seasons, and the mean of three without the lowest and highest is their median. Nothing may change.
        var history = ThreeSeries(Bursty, 300);
        var with = new LstmForecaster(TinyOptions.Create().With(o => (o.SeasonalLags, o.SeasonalMedianSeasons, o.SeasonalProfileSeasons) = ([Season], 3, 8)));
        var without = new LstmForecaster(TinyOptions.Create().With(o => (o.SeasonalLags, o.SeasonalMedianSeasons) = ([Season], 3)));

        await with.FitAsync(history, null, CancellationToken.None);
        await without.FitAsync(history, null, CancellationToken.None);

        Assert.That(with.Model!.Network.Parameters, Is.EqualTo(without.Model!.Network.Parameters));
        var a = await with.ForecastAsync(new ForecastRequest(history, 12), CancellationToken.None);
        var b = await without.ForecastAsync(new ForecastRequest(history, 12), CancellationToken.None);
        foreach (var (id, resources) in a.Partitions)
        {
            Assert.That(Flat(b.Partitions[id][ResourceKind.Requests]), Is.EqualTo(Flat(resources[ResourceKind.Requests])));
        }
    }

    [Test]
    public async Task ForecastAsync_NoisySeasonalLoad_ProfileOverAWeekBeatsTheMedianOfThreeDays()
    {
        // Eight series with a daily cycle and Gaussian noise of a fifth of the level: the best forecast is the cycle
        // itself, which the median of three noisy days estimates worse than the trimmed mean of the seven the weekly lag
        // already reaches. Rolling origins over the last week, as forecast-eval does.
        var values = EightSeries(Noisy);

        var withProfile = await MaseAsync(values, medianSeasons: 3, lags: [Season, 7 * Season], profileSeasons: 8);
        var withMedian = await MaseAsync(values, medianSeasons: 3, lags: [Season, 7 * Season]);

        TestContext.Out.WriteLine($"MASE: profile {withProfile:F3}, median of three {withMedian:F3}");
        Assert.That(withProfile, Is.LessThan(withMedian));
    }

    [Test]
    public async Task SaveAndLoad_WithSeasonalProfile_KeepsItAndForecastsIdentically()
    {
        var history = ThreeSeries(Noisy, 400);
        var (sut, loaded) = await FitSaveAndLoadAsync(TinyOptions.Create().With(o => (o.SeasonalMedianSeasons, o.SeasonalProfileSeasons) = (3, 8)), history);

        Assert.That(loaded.Options.SeasonalProfileSeasons, Is.EqualTo(8));
        Assert.That(loaded.Model!.Spec.ProfileSeasons, Is.EqualTo(sut.Model!.Spec.ProfileSeasons));
        await AssertSameForecastsAsync(sut, loaded, history);
    }

    [Test]
    public async Task Load_FormatVersion6_ReadsTheProfileAsOffAndForecastsIdentically()
    {
        // A model saved by the previous release (format 6) has no profile setting; it was trained without one.
        var sut = new LstmForecaster(TinyOptions.Create().With(o => o.SeasonalMedianSeasons = 3));
        var history = ThreeSeries(Bursty, 300);
        await sut.FitAsync(history, null, CancellationToken.None);
        using var stream = new MemoryStream();

        Persistence.LstmModelSerializer.Write(sut.Model!, stream, formatVersion: 6);
        stream.Position = 0;
        var loaded = LstmForecaster.Load(stream);

        Assert.That(System.Buffers.Binary.BinaryPrimitives.ReadInt32LittleEndian(stream.GetBuffer().AsSpan(8)), Is.EqualTo(6));
        Assert.That(loaded.Options.SeasonalProfileSeasons, Is.Zero);
        Assert.That(loaded.Options.SeasonalMedianSeasons, Is.EqualTo(3));
        await AssertSameForecastsAsync(sut, loaded, history);
    }

    [Test]
    public async Task Write_FormatVersion6WithAProfile_Throws()
    {
        var sut = new LstmForecaster(TinyOptions.Create(epochs: 1).With(o => (o.SeasonalMedianSeasons, o.SeasonalProfileSeasons) = (3, 8)));
        await sut.FitAsync(new LoadHistory([SyntheticLoad.FromValues(SyntheticLoad.Id(0), Noisy(0, 300))]), null, CancellationToken.None);

        var e = Assert.Throws<ArgumentException>(() => Persistence.LstmModelSerializer.Write(sut.Model!, new MemoryStream(), formatVersion: 6));

        Assert.That(e!.Message, Does.Contain("SeasonalProfileSeasons 8"));
    }

    [Test]
    public async Task SaveAndLoad_WithSeasonalMedian_ForecastsIdentically()
    {
        var history = ThreeSeries(Bursty, 300);
        var (sut, loaded) = await FitSaveAndLoadAsync(TinyOptions.Create().With(o => o.SeasonalMedianSeasons = 3), history);

        Assert.That(loaded.Options.SeasonalMedianSeasons, Is.EqualTo(3));
        await AssertSameForecastsAsync(sut, loaded, history);
    }

    private static async Task<(LstmForecaster Fitted, LstmForecaster Loaded)> FitSaveAndLoadAsync(LstmForecasterOptions options, LoadHistory history)
    {
        var fitted = new LstmForecaster(options);
        await fitted.FitAsync(history, null, CancellationToken.None);
        using var stream = new MemoryStream();
        fitted.Save(stream);
        stream.Position = 0;
        return (fitted, LstmForecaster.Load(stream));
    }

    private static LoadHistory ThreeSeries(Func<int, int, double[]> values, int length) =>
        new(Enumerable.Range(0, 3).Select(i => SyntheticLoad.FromValues(SyntheticLoad.Id(i), values(i, length))));

    private static double[][] EightSeries(Func<int, int, double[]> values) => [.. Enumerable.Range(0, 8).Select(i => values(i, FiveWeeks))];

    private static async Task AssertSameForecastsAsync(LstmForecaster expected, LstmForecaster actual, LoadHistory history)
    {
        var a = await expected.ForecastAsync(new ForecastRequest(history, 12), CancellationToken.None);
        var b = await actual.ForecastAsync(new ForecastRequest(history, 12), CancellationToken.None);
        foreach (var (id, resources) in a.Partitions)
        {
            Assert.That(Flat(b.Partitions[id][ResourceKind.Requests]), Is.EqualTo(Flat(resources[ResourceKind.Requests])));
        }
    }

    private static double[] Flat(QuantileSeries series) => [.. Enumerable.Range(0, series.Steps).SelectMany(s => series.AtStep(s).ToArray())];

    private static float[] FutureInputs(LstmFeatureSpec spec, double[] values)
    {
        var features = Build(spec, values);
        var future = new float[spec.FutureWidth];
        var scale = spec.WriteWindow(features, values.Length - spec.ContextLength - 1, new float[spec.ContextLength * spec.InputSize], spec.InputSize, 0, future, new float[1]);
        return [.. future.Select(f => f * scale)];
    }

    private static async Task<double> MaseAsync(double[][] values, int medianSeasons, int[]? lags = null, int profileSeasons = 0)
    {
        var training = new LoadHistory(values.Select((v, i) => SyntheticLoad.FromValues(SyntheticLoad.Id(i), v[..FirstOrigin])));
        var sut = new LstmForecaster(new LstmForecasterOptions
        {
            HiddenSize = 16,
            Horizon = Season,
            ContextLength = Season,
            SeasonalLags = lags ?? [Season],
            SeasonalMedianSeasons = medianSeasons,
            SeasonalProfileSeasons = profileSeasons,
            Epochs = 12,
            WindowsPerEpoch = 1024,
            BatchSize = 64,
            DegreeOfParallelism = 2,
        });
        await sut.FitAsync(training, null, CancellationToken.None);
        double total = 0;
        for (var i = 0; i < values.Length; i++)
        {
            var v = values[i];
            double error = 0;
            var points = 0;
            for (var origin = FirstOrigin; origin + Season <= v.Length; origin += Season)
            {
                var context = new LoadHistory([SyntheticLoad.FromValues(SyntheticLoad.Id(i), v[..origin])]);
                var forecast = await sut.ForecastAsync(new ForecastRequest(context, Season) { Quantiles = [0.5] }, CancellationToken.None);
                var median = forecast.Partitions[SyntheticLoad.Id(i)][ResourceKind.Requests];
                for (var h = 0; h < Season; h++)
                {
                    error += Math.Abs(v[origin + h] - median[h, 0]);
                    points++;
                }
            }

            total += error / points / Scale(v, FirstOrigin);
        }

        return total / values.Length;
    }

    private static double NaiveMase(double[] v, int firstOrigin)
    {
        var error = Enumerable.Range(firstOrigin, v.Length - firstOrigin).Average(t => Math.Abs(v[t] - v[t - Season]));
        return error / Scale(v, firstOrigin);
    }

    private static double Scale(double[] v, int firstOrigin) =>
        Enumerable.Range(Season, firstOrigin - Season).Average(t => Math.Abs(v[t] - v[t - Season]));

    private static double[] Bursty(int index, int length)
    {
        var random = new Random(900 + index);
        var level = 10.0 * (index + 1);
        var values = new double[length];
        for (var t = 0; t < length; t++)
        {
            var daily = 1 + (0.5 * Math.Sin((2 * Math.PI * t / Season) + index));
            var burst = random.NextDouble() < 0.04 ? 6.0 : 1.0;
            values[t] = Math.Round(level * daily * burst * (1 + (0.05 * ((random.NextDouble() * 2) - 1))), 2);
        }

        return values;
    }

    private static double[] Noisy(int index, int length)
    {
        var random = new Random(700 + index);
        var level = 10.0 * (index + 1);
        var values = new double[length];
        for (var t = 0; t < length; t++)
        {
            // Box–Muller: a standard normal from two uniforms.
            var normal = Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
            var daily = 1 + (0.5 * Math.Sin((2 * Math.PI * t / Season) + index));
            values[t] = Math.Max(0, Math.Round(level * (daily + (0.2 * normal)), 2));
        }

        return values;
    }

    private static LstmFeatureSpec Spec(int[] lags, int medianSeasons, int contextLength = Season, int horizon = Season, int profileSeasons = 0)
    {
        var stats = new float[LstmFeatureSpec.StatisticsLength];
        Array.Fill(stats, 1f, LstmFeatureSpec.StandardisedCount, LstmFeatureSpec.StandardisedCount);
        return new LstmFeatureSpec(TimeSpan.FromHours(1), contextLength, horizon, lags, [], stats, medianSeasons, profileSeasons);
    }

    private static SeriesFeatures Build(LstmFeatureSpec spec, double[] values)
    {
        var series = SyntheticLoad.FromValues(SyntheticLoad.Id(0), values);
        return spec.Build(series, new LoadHistoryIndex(new LoadHistory([series])), 0);
    }
}
