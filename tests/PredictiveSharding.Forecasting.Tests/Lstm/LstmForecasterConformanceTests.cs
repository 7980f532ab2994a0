using PredictiveSharding.Forecasting.Lstm;
using PredictiveSharding.TestKit.Forecasting;

namespace PredictiveSharding.Forecasting.Tests.Lstm;

public sealed class LstmForecasterConformanceTests : LoadForecasterConformanceTests
{
    protected override ILoadForecaster CreateSut() => new LstmForecaster(TinyOptions.Create(horizon: Horizon));
}
