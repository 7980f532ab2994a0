using PredictiveSharding.Forecasting.Baselines;
using PredictiveSharding.TestKit.Forecasting;

namespace PredictiveSharding.Forecasting.Tests.Baselines;

public sealed class HoltWintersForecasterConformanceTests : LoadForecasterConformanceTests
{
    protected override ILoadForecaster CreateSut() => new HoltWintersForecaster(new HoltWintersForecasterOptions { SeasonLength = 24, MaxEvaluations = 100 });
}
