using PredictiveSharding.Cli.Commands;
using PredictiveSharding.Forecasting.Lstm;

namespace PredictiveSharding.Cli.Tests;

/// <summary>How forecast-eval configures the LSTM from its arguments.</summary>
public sealed class ForecastEvalModelsTests
{
    [TestCase(7, 24)]
    [TestCase(24, 24)]
    [TestCase(60, 60)]
    [TestCase(168, 168)]
    [TestCase(1440, 168)] // a daily season of minutes: the lag input carries it, not the unrolled context
    public void LstmContext_IsTheDefaultContextOrOneSeasonWhicheverIsLonger_UpToAWeekOfHours(int season, int expected)
    {
        Assert.That(ForecastEvalModels.LstmContext(season), Is.EqualTo(expected));
    }

    [Test]
    public void Create_Lstm_ReadsAWholeSeasonCalibratesAndAveragesWeights()
    {
        var settings = new ForecastEvalSettings { Input = "unused.csv", Season = 60, Horizon = 15 };

        var model = (LstmForecaster)ForecastEvalModels.Create(ForecastEvalModels.Lstm, settings, [0.1, 0.5, 0.9, 0.99], TimeSpan.FromMinutes(1), shortestTraining: 384);

        Assert.That(model.Options.ContextLength, Is.EqualTo(60));
        Assert.That(model.Options.Horizon, Is.EqualTo(15));
        Assert.That(model.Options.CalibrateQuantiles, Is.True);
        Assert.That(model.Options.WeightAveraging, Is.True);
        Assert.That(model.Options.SeasonalLags, Is.EqualTo(new[] { 60 }));
        Assert.That(model.Options.SeasonalMedianSeasons, Is.EqualTo(3));
        Assert.That(model.Options.SeasonalProfileSeasons, Is.EqualTo(8), "the profile spans what the lags already reach");
    }

    [Test]
    public void Create_Lstm_WithASeasonLongerThanTheContextCap_KeepsTheSeasonAmongItsLags()
    {
        var settings = new ForecastEvalSettings { Input = "unused.csv", Season = 1440, Horizon = 60 };

        var model = (LstmForecaster)ForecastEvalModels.Create(ForecastEvalModels.Lstm, settings, [0.1, 0.5, 0.9, 0.99], TimeSpan.FromMinutes(1), shortestTraining: 5760);

        Assert.That(model.Options.ContextLength, Is.EqualTo(ForecastEvalModels.MaxLstmContext));
        Assert.That(model.Options.SeasonalLags, Does.Contain(1440));
    }
}
