namespace PredictiveSharding.Moving;

/// <summary>What one step of a <see cref="RangeChecksumScan"/> hashed.</summary>
/// <param name="Keys">Entries hashed in this step.</param>
/// <param name="Bytes">Key and value bytes hashed in this step.</param>
/// <param name="Checksum">The range's checksum when this was the last step; otherwise null.</param>
public readonly record struct RangeChecksumStep(long Keys, long Bytes, RangeChecksum? Checksum)
{
    /// <summary>True when this was the last step of the range.</summary>
    public bool IsLast => Checksum is not null;
}
