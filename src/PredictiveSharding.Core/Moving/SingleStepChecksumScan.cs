using PredictiveSharding.Keys;
using PredictiveSharding.Topology;

namespace PredictiveSharding.Moving;

/// <summary>
/// The default <see cref="RangeChecksumScan"/>: one step that calls <see cref="IDataMover.ChecksumAsync"/> through the
/// mover it was opened on (so a wrapper's call still passes through the wrapper), whatever the step size.
/// </summary>
internal sealed class SingleStepChecksumScan(IDataMover mover, NodeId node, KeyRange range) : RangeChecksumScan
{
    private RangeChecksum? _result;

    public override async ValueTask<RangeChecksumStep> StepAsync(int maxBytes, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxBytes);
        if (_result is { } done)
        {
            return new RangeChecksumStep(0, 0, done);
        }

        var checksum = await mover.ChecksumAsync(node, range, cancellationToken).ConfigureAwait(false);
        _result = checksum;
        return new RangeChecksumStep(checksum.KeyCount, checksum.Bytes, checksum);
    }
}
