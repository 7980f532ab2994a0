namespace PredictiveSharding.Redis.Migration;

/// <summary>The two masters of a slot migration, by address and cluster id.</summary>
internal sealed record MoveEndpoints(string Source, string SourceId, string Target, string TargetId)
{
    public MoveEndpoints Reversed() => new(Target, TargetId, Source, SourceId);
}
