namespace PredictiveSharding.Cli.Commands;

/// <summary>One model's figures in forecast-eval's JSON output.</summary>
/// <param name="Name">The model (<c>lstm</c>, <c>seasonal-naive</c>, <c>holt-winters</c>, <c>fasttree</c>).</param>
/// <param name="Mase">Mean over series of MASE (median forecast, seasonal naive denominator with period --season); null when no series has a
/// seasonal-naive scale (every series repeats its last season exactly, so MASE is undefined for all of them).</param>
/// <param name="Wql">Mean over series of the weighted quantile loss averaged over the quantile levels; null when every actual is zero
/// (its denominator, the sum of absolute actuals, is then zero).</param>
/// <param name="Coverage80">Share of all forecast points whose actual lies in the 0.1–0.9 interval; null when there were none.</param>
/// <param name="TrainSeconds">Fit time in seconds.</param>
/// <param name="ForecastMillisPerSeries">Forecast time in milliseconds per series and origin.</param>
internal sealed record ForecastEvalModelResult(string Name, double? Mase, double? Wql, double? Coverage80, double TrainSeconds, double ForecastMillisPerSeries);
