namespace PredictiveSharding.Cli.Commands;

/// <summary>forecast-eval's JSON output: <c>{"models":[...]}</c>.</summary>
/// <param name="Models">One entry per evaluated model, in the order given by --models.</param>
internal sealed record ForecastEvalReport(IReadOnlyList<ForecastEvalModelResult> Models);
