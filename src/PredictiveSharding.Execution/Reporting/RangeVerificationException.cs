using System.Globalization;
using PredictiveSharding.Keys;
using PredictiveSharding.Moving;
using PredictiveSharding.Topology;

namespace PredictiveSharding.Execution;

/// <summary>The target's copy of a range did not match the source's; the move was stopped and rolled back.</summary>
public sealed class RangeVerificationException : Exception
{
    /// <summary>Creates the exception.</summary>
    public RangeVerificationException(KeyRange range, NodeId source, RangeChecksum sourceChecksum, NodeId target, RangeChecksum targetChecksum)
        : base(string.Create(CultureInfo.InvariantCulture, $"Range {range} differs between source '{source}' ({sourceChecksum.KeyCount} keys, {sourceChecksum.Bytes} bytes, hash {sourceChecksum.Hash:x32} at sequence {sourceChecksum.Sequence}) and target '{target}' ({targetChecksum.KeyCount} keys, {targetChecksum.Bytes} bytes, hash {targetChecksum.Hash:x32})."))
    {
        SourceChecksum = sourceChecksum;
        TargetChecksum = targetChecksum;
    }

    /// <summary>Creates the exception with a message only.</summary>
    public RangeVerificationException()
    {
    }

    /// <summary>Creates the exception with a message only.</summary>
    public RangeVerificationException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and an inner exception.</summary>
    public RangeVerificationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The source's checksum.</summary>
    public RangeChecksum SourceChecksum { get; }

    /// <summary>The target's checksum after applying the changes below the source's sequence.</summary>
    public RangeChecksum TargetChecksum { get; }
}
