using PredictiveSharding.Keys;
using PredictiveSharding.Moving;
using PredictiveSharding.Topology;

namespace PredictiveSharding.Execution.Tests;

/// <summary>
/// A mover whose copy reads its target back as it goes, as the RocksDB store's does: it offers both the source's and the
/// target's checksum after its last commit (here the store's own checksums, taken then; or, with
/// <see cref="CorruptTargetChecksum"/>, a target checksum one key short), records the executor's clock at every step,
/// and records every checksum scan the executor opens, so a test sees which reads the executor still makes.
/// </summary>
internal sealed class ReadBackCopyMover(IDataMover inner, TimeProvider time) : DelegatingDataMover(inner), IDataMover
{
    private readonly List<NodeId> _scanned = [];

    /// <summary>The executor's clock.</summary>
    public TimeProvider Time { get; } = time;

    /// <summary>When true, the copy's target checksum claims one key fewer than the target holds.</summary>
    public bool CorruptTargetChecksum { get; init; }

    /// <summary>The executor's clock and the bytes of every copy step, in order.</summary>
    public List<(DateTimeOffset At, long Bytes)> CopySteps { get; } = [];

    /// <summary>The nodes the executor opened checksum scans on.</summary>
    public IReadOnlyList<NodeId> Scanned
    {
        get
        {
            lock (_scanned)
            {
                return [.. _scanned];
            }
        }
    }

    public ValueTask<RangeCopy> OpenCopyAsync(NodeId source, NodeId target, KeyRange range, ShardKey from, CancellationToken cancellationToken) =>
        ValueTask.FromResult<RangeCopy>(new ReadBackCopy(this, source, target, range, from));

    public ValueTask<RangeChecksumScan> OpenChecksumScanAsync(NodeId node, KeyRange range, CancellationToken cancellationToken)
    {
        lock (_scanned)
        {
            _scanned.Add(node);
        }

        return Inner.OpenChecksumScanAsync(node, range, cancellationToken);
    }

    private sealed class ReadBackCopy(ReadBackCopyMover mover, NodeId source, NodeId target, KeyRange range, ShardKey from) : RangeCopy
    {
        private ShardKey? _next = from;
        private RangeChecksum? _source;
        private RangeChecksum? _target;

        public override RangeChecksum? SourceChecksum => _source;

        public override bool ReadsBackTarget => true;

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
            var bytes = chunk.Entries.Sum(e => (long)e.Key.Length + e.Value.Length);
            mover.CopySteps.Add((mover.Time.GetUtcNow(), bytes));
            return new RangeCopyStep(chunk.Entries.Count, bytes, chunk.ResumeFrom);
        }

        public override async ValueTask CommitAsync(CancellationToken cancellationToken)
        {
            if (_next is not null || _source is not null)
            {
                return;
            }

            _source = await mover.Inner.ChecksumAsync(source, range, cancellationToken);
            var read = await mover.Inner.ChecksumAsync(target, range, cancellationToken);
            _target = mover.CorruptTargetChecksum ? read with { KeyCount = read.KeyCount - 1 } : read with { Sequence = _source.Value.Sequence };
        }
    }
}
