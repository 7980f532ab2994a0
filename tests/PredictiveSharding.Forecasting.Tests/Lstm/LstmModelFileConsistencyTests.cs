using PredictiveSharding.Forecasting.Lstm;
using PredictiveSharding.Forecasting.Persistence;

namespace PredictiveSharding.Forecasting.Tests.Lstm;

/// <summary>
/// A model file whose checksum matches but whose feature layout no fit could have written is refused at load. Regression:
/// a seasonal lag of 0 loaded and every forecast then looped forever (the search for the latest same-phase value never
/// moved back), a negative lag loaded and forecasts failed with an IndexOutOfRangeException, and a NaN normalisation
/// statistic loaded and forecasts failed on NaN quantiles.
/// </summary>
public sealed class LstmModelFileConsistencyTests
{
    [TestCase(0, 168)]
    [TestCase(-5, 168)]
    [TestCase(12, 168)]
    [TestCase(168, 24)]
    public async Task Load_LagsOtherThanTheOptionsAndStepGive_ThrowsInvalidDataExceptionNamingThem(int first, int second)
    {
        var model = await FittedModelAsync();
        Assert.That(model.Spec.Lags, Is.EqualTo(new[] { 24, 168 }), "hourly steps without configured lags: a day and a week");
        var s = model.Spec;
        var bytes = Write(model, new LstmFeatureSpec(s.Step, s.ContextLength, s.Horizon, [first, second], s.Regions, s.Statistics));

        var e = Assert.Throws<InvalidDataException>(() => LstmForecaster.Load(new MemoryStream(bytes)));

        Assert.That(e!.Message, Does.Contain("lags").And.Contain($"{first}, {second}"));
    }

    [TestCase(0, float.NaN)]
    [TestCase(0, float.PositiveInfinity)]
    [TestCase(LstmFeatureSpec.StandardisedCount, float.NaN)]
    [TestCase(LstmFeatureSpec.StandardisedCount, 0f)]
    [TestCase(LstmFeatureSpec.StandardisedCount + 3, -1f)]
    public async Task Load_MeanOrDeviationNoFitWrites_ThrowsInvalidDataException(int index, float value)
    {
        // SetStats writes finite means and deviations above 1e-6 (or 1); anything else can only be damage.
        var model = await FittedModelAsync();
        var s = model.Spec;
        var stats = (float[])s.Statistics.Clone();
        stats[index] = value;
        var bytes = Write(model, new LstmFeatureSpec(s.Step, s.ContextLength, s.Horizon, s.Lags, s.Regions, stats));

        var e = Assert.Throws<InvalidDataException>(() => LstmForecaster.Load(new MemoryStream(bytes)));

        Assert.That(e!.Message, Does.Contain("normalisation"));
    }

    [Test]
    public async Task Load_ConfiguredLagsInAnyOrderWithDuplicates_LoadsAsTrained()
    {
        // The spec holds the configured lags distinct and sorted; the check must compare with that, not the raw option.
        var sut = new LstmForecaster(TinyOptions.Create(epochs: 1).With(o => o.SeasonalLags = [48, 12, 48]));
        await sut.FitAsync(SyntheticLoad.History(2, 200), null, CancellationToken.None);
        using var stream = new MemoryStream();
        sut.Save(stream);
        stream.Position = 0;

        var loaded = LstmForecaster.Load(stream);

        Assert.That(loaded.Model!.Spec.Lags, Is.EqualTo(new[] { 12, 48 }));
    }

    private static async Task<LstmModel> FittedModelAsync()
    {
        var sut = new LstmForecaster(TinyOptions.Create(epochs: 1));
        await sut.FitAsync(SyntheticLoad.History(2, 200), null, CancellationToken.None);
        return sut.Model!;
    }

    // Written through the serializer itself, so the checksum is right and only the layout is wrong.
    private static byte[] Write(LstmModel model, LstmFeatureSpec spec)
    {
        using var stream = new MemoryStream();
        LstmModelSerializer.Write(new LstmModel(model.Options, spec, model.Network, model.Calibration), stream);
        return stream.ToArray();
    }
}
