using System.Text.Json.Serialization;

namespace PredictiveSharding.Cli.Commands;

/// <summary>Source-generated (trim-safe) JSON for forecast-eval's report; NaN (a metric undefined for every series) is written as "NaN".</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals)]
[JsonSerializable(typeof(ForecastEvalReport))]
internal sealed partial class ForecastEvalJsonContext : JsonSerializerContext;
