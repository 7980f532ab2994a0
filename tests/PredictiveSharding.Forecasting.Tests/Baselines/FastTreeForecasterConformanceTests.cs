using PredictiveSharding.Forecasting.Baselines;
using PredictiveSharding.TestKit.Forecasting;

namespace PredictiveSharding.Forecasting.Tests.Baselines;

public sealed class FastTreeForecasterConformanceTests : LoadForecasterConformanceTests
{
    protected override ILoadForecaster CreateSut() => new FastTreeForecaster(new FastTreeForecasterOptions { SeasonLength = 24, NumberOfTrees = 20, MaxHorizon = 12, NumberOfThreads = 1 });
}
