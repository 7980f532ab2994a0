namespace PredictiveSharding.Cli.Commands;

/// <summary>One strategy in <c>psharding simulate --json</c>; computeSeconds = forecastSeconds + planSeconds.</summary>
internal sealed record SimulateJsonStrategy(
    string Name,
    double OverloadNodeMinutes,
    double OverloadedRequestShare,
    double P99Utilization,
    int Splits,
    int Moves,
    long BytesMoved,
    double ComputeSeconds,
    string Setting,
    double ForecastSeconds,
    double PlanSeconds);
