using System.Text.Json.Serialization;

namespace PredictiveSharding.Execution.Journal;

/// <summary>Source-generated JSON for journal records, so the journal works trimmed and AOT-compiled.</summary>
[JsonSourceGenerationOptions(UseStringEnumConverter = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(MoveJournalRecord))]
internal sealed partial class JournalJsonContext : JsonSerializerContext;
