using PredictiveSharding.Keys;

namespace PredictiveSharding.Moving;

/// <summary>What one step of a <see cref="RangeCopy"/> copied.</summary>
/// <param name="Keys">Entries copied in this step.</param>
/// <param name="Bytes">Key and value bytes copied in this step.</param>
/// <param name="ResumeFrom">Where the next step starts (inclusive), or null when the range is exhausted.</param>
public readonly record struct RangeCopyStep(long Keys, long Bytes, ShardKey? ResumeFrom)
{
    /// <summary>True when this was the last step of the range.</summary>
    public bool IsLast => ResumeFrom is null;
}
