using System.Text.Json.Serialization;

namespace PredictiveSharding.Cli.Commands;

/// <summary>
/// Source-generated (trim-safe) JSON for forecast-eval's report. Strict JSON numbers only: a metric that is undefined
/// (NaN) is written as null, never as the string "NaN", so typed readers and jq comparisons do not break on it.
/// </summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(ForecastEvalReport))]
internal sealed partial class ForecastEvalJsonContext : JsonSerializerContext;
