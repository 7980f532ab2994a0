using System.Text.Json.Serialization;

namespace PredictiveSharding.Cli.Formats;

/// <summary>
/// Source-generated (trim-safe) JSON for the plan command's files: camelCase names, unknown properties rejected so a
/// misspelt field is an error rather than silently ignored, a name given twice in one object (a partition's forecast,
/// a node) an error rather than the last one silently kept, comments and trailing commas allowed in input.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    ReadCommentHandling = System.Text.Json.JsonCommentHandling.Skip,
    AllowTrailingCommas = true,
    AllowDuplicateProperties = false,
    WriteIndented = true)]
[JsonSerializable(typeof(ClusterDocument))]
[JsonSerializable(typeof(ForecastDocument))]
[JsonSerializable(typeof(PlanDocument))]
internal sealed partial class PlanJsonContext : JsonSerializerContext;
