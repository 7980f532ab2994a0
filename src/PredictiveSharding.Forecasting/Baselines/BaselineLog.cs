using Microsoft.Extensions.Logging;

namespace PredictiveSharding.Forecasting.Baselines;

internal static partial class BaselineLog
{
    [LoggerMessage(EventId = 3110, Level = LogLevel.Information, Message = "{Forecaster} update holds {Count} partition(s) with fewer than the {Needed} buckets it needs to start on: {Partitions}; their data is kept and each starts once it holds that many (until then a forecast for one is made from its request's context, which needs as many)")]
    public static partial void ShortPartitionsKept(ILogger logger, string forecaster, int count, long needed, string partitions);
}
