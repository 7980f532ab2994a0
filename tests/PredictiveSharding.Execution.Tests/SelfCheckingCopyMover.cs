using PredictiveSharding.Keys;
using PredictiveSharding.Moving;
using PredictiveSharding.Topology;

namespace PredictiveSharding.Execution.Tests;

/// <summary>
/// A mover whose copy offers both checksums, as the RocksDB store's does: the source's at the copy's start and the
/// target's once the last step is committed (optionally wrong by one, as a read-back that saw something else would be).
/// Counts the executor's own checksum calls.
/// </summary>
internal sealed class SelfCheckingCopyMover(IDataMover inner, bool wrongTargetChecksum) : DelegatingDataMover(inner), IDataMover
{
    public int ChecksumCalls { get; private set; }

    private bool WrongTargetChecksum { get; } = wrongTargetChecksum;

    public override ValueTask<RangeChecksum> ChecksumAsync(NodeId node, KeyRange range, CancellationToken cancellationToken)
    {
        ChecksumCalls++;
        return base.ChecksumAsync(node, range, cancellationToken);
    }

    public async ValueTask<RangeCopy> OpenCopyAsync(NodeId source, NodeId target, KeyRange range, ShardKey from, CancellationToken cancellationToken)
    {
        // No host writes run in the tests using this mover, so a checksum taken now is the snapshot the copy reads.
        RangeChecksum? atStart = from == range.Start ? await Inner.ChecksumAsync(source, range, cancellationToken) : null;
        return new Copy(this, source, target, range, from, atStart);
    }

    private sealed class Copy(SelfCheckingCopyMover mover, NodeId source, NodeId target, KeyRange range, ShardKey from, RangeChecksum? atStart) : RangeCopy
    {
        private ShardKey? _next = from;
        private RangeChecksum? _target;

        public override RangeChecksum? SourceChecksum => _next is null ? atStart : null;

        public override RangeChecksum? TargetChecksum => _target;

        public override async ValueTask<RangeCopyStep> CopyNextAsync(int maxBytes, CancellationToken cancellationToken)
        {
            if (_next is not { } start)
            {
                return new RangeCopyStep(0, 0, null);
            }

            var chunk = await mover.Inner.ReadChunkAsync(source, range, start, maxBytes, cancellationToken);
            await mover.Inner.WriteAsync(target, chunk.Entries, cancellationToken);
            _next = chunk.ResumeFrom;
            return new RangeCopyStep(chunk.Entries.Count, chunk.Entries.Sum(e => (long)e.Key.Length + e.Value.Length), chunk.ResumeFrom);
        }

        public override async ValueTask CommitAsync(CancellationToken cancellationToken)
        {
            if (_next is null && atStart is not null)
            {
                var read = await mover.Inner.ChecksumAsync(target, range, cancellationToken);
                _target = mover.WrongTargetChecksum ? read with { Hash = read.Hash + 1 } : read;
            }
        }
    }
}
