using System.Text.Json.Serialization;

namespace PredictiveSharding.Cli.Commands;

/// <summary>Source-generated (trim-safe) JSON for simulate's report.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(SimulateJsonReport))]
internal sealed partial class SimulateJsonContext : JsonSerializerContext;
