namespace PredictiveSharding.Cli.Commands;

/// <summary>
/// One strategy in <c>psharding simulate --json</c>; computeSeconds = forecastSeconds + planSeconds; moveOverloadNodeMinutes
/// is the part of overloadNodeMinutes on nodes whose requests alone were within capacity (the strategy's own copies put them over);
/// overloadedRequestShare and p99Utilization are null where they are not finite (a node capacity too small for a utilisation a
/// float holds), since JSON has no infinity or NaN.
/// </summary>
internal sealed record SimulateJsonStrategy(
    string Name,
    double OverloadNodeMinutes,
    double? OverloadedRequestShare,
    double? P99Utilization,
    int Splits,
    int Moves,
    long BytesMoved,
    double ComputeSeconds,
    string Setting,
    double ForecastSeconds,
    double PlanSeconds,
    double MoveOverloadNodeMinutes);
