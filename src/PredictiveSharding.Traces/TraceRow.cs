namespace PredictiveSharding.Traces;

/// <summary>One parsed row of a long-format trace.</summary>
internal readonly record struct TraceRow(DateTimeOffset Timestamp, string Name, double Value, long Line);
