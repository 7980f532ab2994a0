using Microsoft.Extensions.Logging;

namespace PredictiveSharding.Forecasting.Lstm;

internal static partial class LstmLog
{
    [LoggerMessage(EventId = 3100, Level = LogLevel.Information, Message = "LSTM training started: {Series} series, {Parameters} parameters, up to {Epochs} epochs of {Windows} windows")]
    public static partial void TrainingStarted(ILogger logger, int series, int parameters, int epochs, int windows);

    [LoggerMessage(EventId = 3101, Level = LogLevel.Debug, Message = "LSTM epoch {Epoch}: training loss {TrainingLoss:F5}, validation loss {ValidationLoss:F5}")]
    public static partial void EpochFinished(ILogger logger, int epoch, double trainingLoss, double validationLoss);

    [LoggerMessage(EventId = 3102, Level = LogLevel.Information, Message = "LSTM early stopping after epoch {Epoch}; keeping epoch {BestEpoch} (validation loss {ValidationLoss:F5})")]
    public static partial void EarlyStopped(ILogger logger, int epoch, int bestEpoch, double validationLoss);

    [LoggerMessage(EventId = 3103, Level = LogLevel.Information, Message = "LSTM training finished in {Seconds:F1} s: {Windows} windows ({WindowsPerSecond:F0}/s)")]
    public static partial void TrainingFinished(ILogger logger, double seconds, long windows, double windowsPerSecond);

    [LoggerMessage(EventId = 3104, Level = LogLevel.Warning, Message = "LSTM training was cancelled or failed; the previous model is kept")]
    public static partial void TrainingAbandoned(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 3105, Level = LogLevel.Information, Message = "LSTM update left out {Count} series shorter than the {Needed} buckets training needs (context {Context} + horizon {Horizon}): {Partitions}; each is trained on once its history holds that many")]
    public static partial void ShortSeriesLeftOut(ILogger logger, int count, int needed, int context, int horizon, string partitions);
}
