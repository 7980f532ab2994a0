using PredictiveSharding.Forecasting.Lstm;

namespace PredictiveSharding.Forecasting.Tests.Lstm;

/// <summary>Small, fast settings for tests: the behaviour under test does not depend on the network's size.</summary>
internal static class TinyOptions
{
    public static LstmForecasterOptions Create(int horizon = 12, int epochs = 2) => new()
    {
        Layers = 2,
        HiddenSize = 8,
        ContextLength = 24,
        Horizon = horizon,
        Epochs = epochs,
        WindowsPerEpoch = 256,
        BatchSize = 64,
        DegreeOfParallelism = 2,
        UpdateEpochs = 1,
    };

    public static LstmForecasterOptions With(this LstmForecasterOptions options, Action<LstmForecasterOptions> change)
    {
        change(options);
        return options;
    }
}
