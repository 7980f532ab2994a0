using PredictiveSharding.Forecasting.Baselines;
using PredictiveSharding.TestKit.Forecasting;

namespace PredictiveSharding.Forecasting.Tests.Baselines;

public sealed class SeasonalNaiveForecasterConformanceTests : LoadForecasterConformanceTests
{
    protected override ILoadForecaster CreateSut() => new SeasonalNaiveForecaster(new SeasonalNaiveForecasterOptions { SeasonLength = 24 });
}
