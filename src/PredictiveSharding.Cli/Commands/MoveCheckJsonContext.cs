using System.Text.Json.Serialization;

namespace PredictiveSharding.Cli.Commands;

/// <summary>Source-generated (trim-safe) JSON for move-check's report.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(MoveCheckReport))]
internal sealed partial class MoveCheckJsonContext : JsonSerializerContext;
