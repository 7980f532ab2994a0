using PredictiveSharding.Forecasting.Lstm;

namespace PredictiveSharding.Forecasting.Tests.Lstm;

public sealed class LstmForecasterOptionsTests
{
    [Test]
    public void Validate_Defaults_DoesNotThrow()
    {
        var options = new LstmForecasterOptions();

        Assert.That(options.Validate, Throws.Nothing);
        Assert.That(options.Layers, Is.EqualTo(2));
        Assert.That(options.HiddenSize, Is.EqualTo(40));
        Assert.That(options.Quantiles, Is.EqualTo(new[] { 0.1, 0.5, 0.9, 0.99 }));
    }

    [Test]
    public void DegreeOfParallelism_Default_IsTheProcessorCountCappedAtTheValidatedMaximum()
    {
        // The default was the processor count itself, so on a host with more than 1,024 logical processors (or with
        // DOTNET_PROCESSOR_COUNT above 1,024, which is how this test exercises the cap: dotnet test -e
        // DOTNET_PROCESSOR_COUNT=2048) new LstmForecaster() with default options threw "DegreeOfParallelism must be in
        // 1..1024". Model files already clamp the setting when read.
        var options = new LstmForecasterOptions();

        Assert.That(options.DegreeOfParallelism, Is.EqualTo(Math.Min(Environment.ProcessorCount, 1024)));
        Assert.That(() => new LstmForecaster(), Throws.Nothing);
    }

    private static IEnumerable<TestCaseData> BadOptions()
    {
        yield return Case(o => o.Layers = 0, nameof(LstmForecasterOptions.Layers), "0");
        yield return Case(o => o.HiddenSize = -3, nameof(LstmForecasterOptions.HiddenSize), "-3");
        yield return Case(o => o.ContextLength = 0, nameof(LstmForecasterOptions.ContextLength), "0");
        yield return Case(o => o.Horizon = 20_000, nameof(LstmForecasterOptions.Horizon), "20000");
        yield return Case(o => o.LearningRate = double.NaN, nameof(LstmForecasterOptions.LearningRate), "NaN");
        yield return Case(o => o.LearningRate = 0, nameof(LstmForecasterOptions.LearningRate), "0");
        yield return Case(o => o.Epochs = 0, nameof(LstmForecasterOptions.Epochs), "0");
        yield return Case(o => o.BatchSize = 0, nameof(LstmForecasterOptions.BatchSize), "0");
        yield return Case(o => o.GradientClipNorm = -1, nameof(LstmForecasterOptions.GradientClipNorm), "-1");
        yield return Case(o => o.DegreeOfParallelism = 0, nameof(LstmForecasterOptions.DegreeOfParallelism), "0");
        yield return Case(o => o.EarlyStoppingPatience = 0, nameof(LstmForecasterOptions.EarlyStoppingPatience), "0");
        yield return Case(o => o.AdaptiveCalibrationRate = 1.5, nameof(LstmForecasterOptions.AdaptiveCalibrationRate), "1.5");
        yield return Case(o => o.AdaptiveCalibrationRate = double.NaN, nameof(LstmForecasterOptions.AdaptiveCalibrationRate), "NaN");
        yield return Case(o => o.SeasonalMedianSeasons = 1, nameof(LstmForecasterOptions.SeasonalMedianSeasons), "1");
        yield return Case(o => o.SeasonalMedianSeasons = 9, nameof(LstmForecasterOptions.SeasonalMedianSeasons), "9");
        yield return Case(o => o.SeasonalMedianSeasons = -2, nameof(LstmForecasterOptions.SeasonalMedianSeasons), "-2");
        yield return Case(o => o.SeasonalProfileSeasons = 4, nameof(LstmForecasterOptions.SeasonalProfileSeasons), "4");
        yield return Case(o => (o.SeasonalMedianSeasons, o.SeasonalProfileSeasons) = (3, 2), nameof(LstmForecasterOptions.SeasonalProfileSeasons), "2");
        yield return Case(o => (o.SeasonalMedianSeasons, o.SeasonalProfileSeasons) = (3, 9), nameof(LstmForecasterOptions.SeasonalProfileSeasons), "9");
        yield return Case(o => (o.SeasonalMedianSeasons, o.SeasonalProfileSeasons) = (3, -1), nameof(LstmForecasterOptions.SeasonalProfileSeasons), "-1");
        yield return Case(o => o.MaxRegions = 65, nameof(LstmForecasterOptions.MaxRegions), "65");
        yield return Case(o => o.SeasonalLags = [24, 0], nameof(LstmForecasterOptions.SeasonalLags), "0");
        yield return Case(o => o.Quantiles = [0.5, 0.1], nameof(LstmForecasterOptions.Quantiles), "0.1");
        yield return Case(o => o.Quantiles = [0.5, 1.0], nameof(LstmForecasterOptions.Quantiles), "1");

        // More than a model file holds: the model trained and saved, and then could not be loaded.
        yield return Case(o => o.Quantiles = Enumerable.Range(1, 1001).Select(i => i / 1002.0).ToArray(), nameof(LstmForecasterOptions.Quantiles), "1001");
        yield return Case(o => o.SeasonalLags = Enumerable.Range(1, 1001).ToArray(), nameof(LstmForecasterOptions.SeasonalLags), "1001");
    }

    [TestCaseSource(nameof(BadOptions))]
    public void Constructor_OptionOutOfRange_ThrowsNamingOptionAndValue(Action<LstmForecasterOptions> change, string name, string value)
    {
        var options = new LstmForecasterOptions();
        change(options);

        var e = Assert.Catch<ArgumentException>(() => _ = new LstmForecaster(options));

        Assert.That(e!.ParamName, Is.EqualTo(name));
        Assert.That(e.Message, Does.Contain(value));
    }

    [Test]
    public void Constructor_NullQuantiles_ThrowsArgumentExceptionNamingTheOption()
    {
        var options = new LstmForecasterOptions { Quantiles = null! };

        var e = Assert.Catch<ArgumentException>(() => _ = new LstmForecaster(options));

        Assert.That(e!.ParamName, Is.EqualTo(nameof(LstmForecasterOptions.Quantiles)));
    }

    [Test]
    public void Constructor_OptionsChangedAfterwards_KeepsItsCopy()
    {
        var options = new LstmForecasterOptions { HiddenSize = 16 };
        var sut = new LstmForecaster(options);

        options.HiddenSize = 0;

        Assert.That(sut.Options.HiddenSize, Is.EqualTo(16));
    }

    private static TestCaseData Case(Action<LstmForecasterOptions> change, string name, string value) =>
        new TestCaseData(change, name, value).SetArgDisplayNames(name + "=" + value);
}
