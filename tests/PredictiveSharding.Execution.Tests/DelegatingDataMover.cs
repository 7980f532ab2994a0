using PredictiveSharding.Keys;
using PredictiveSharding.Moving;
using PredictiveSharding.Topology;

namespace PredictiveSharding.Execution.Tests;

/// <summary>A mover that passes every call to another; tests override a call to inject a fault, or <see cref="BeforeCall"/> to act between calls.</summary>
internal class DelegatingDataMover(IDataMover inner) : IDataMover
{
    public IDataMover Inner { get; } = inner;

    public IReadOnlyCollection<NodeId> Nodes => Inner.Nodes;

    public virtual ValueTask<ChangeCapture> StartChangeCaptureAsync(NodeId node, KeyRange range, string captureId, CancellationToken cancellationToken)
    {
        BeforeCall(nameof(StartChangeCaptureAsync));
        return Inner.StartChangeCaptureAsync(node, range, captureId, cancellationToken);
    }

    public virtual ValueTask<ChangeCapture?> ResumeChangeCaptureAsync(NodeId node, string captureId, CancellationToken cancellationToken)
    {
        BeforeCall(nameof(ResumeChangeCaptureAsync));
        return Inner.ResumeChangeCaptureAsync(node, captureId, cancellationToken);
    }

    public virtual ValueTask StopChangeCaptureAsync(NodeId node, string captureId, CancellationToken cancellationToken)
    {
        BeforeCall(nameof(StopChangeCaptureAsync));
        return Inner.StopChangeCaptureAsync(node, captureId, cancellationToken);
    }

    public virtual ValueTask<RangeChunk> ReadChunkAsync(NodeId node, KeyRange range, ShardKey from, int maxBytes, CancellationToken cancellationToken)
    {
        BeforeCall(nameof(ReadChunkAsync));
        return Inner.ReadChunkAsync(node, range, from, maxBytes, cancellationToken);
    }

    public virtual ValueTask WriteAsync(NodeId node, IReadOnlyList<KeyValueEntry> entries, CancellationToken cancellationToken)
    {
        BeforeCall(nameof(WriteAsync));
        return Inner.WriteAsync(node, entries, cancellationToken);
    }

    public virtual ValueTask<IReadOnlyList<ChangeRecord>> ReadChangesAsync(ChangeCapture capture, long fromSequence, int maxChanges, CancellationToken cancellationToken)
    {
        BeforeCall(nameof(ReadChangesAsync));
        return Inner.ReadChangesAsync(capture, fromSequence, maxChanges, cancellationToken);
    }

    public virtual ValueTask ApplyChangesAsync(NodeId node, IReadOnlyList<ChangeRecord> changes, CancellationToken cancellationToken)
    {
        BeforeCall(nameof(ApplyChangesAsync));
        return Inner.ApplyChangesAsync(node, changes, cancellationToken);
    }

    public virtual ValueTask<RangeChecksum> ChecksumAsync(NodeId node, KeyRange range, CancellationToken cancellationToken)
    {
        BeforeCall(nameof(ChecksumAsync));
        return Inner.ChecksumAsync(node, range, cancellationToken);
    }

    public virtual ValueTask<IAsyncDisposable> FenceWritesAsync(NodeId node, KeyRange range, CancellationToken cancellationToken)
    {
        BeforeCall(nameof(FenceWritesAsync));
        return Inner.FenceWritesAsync(node, range, cancellationToken);
    }

    public virtual ValueTask DeleteRangeAsync(NodeId node, KeyRange range, CancellationToken cancellationToken)
    {
        BeforeCall(nameof(DeleteRangeAsync));
        return Inner.DeleteRangeAsync(node, range, cancellationToken);
    }

    protected virtual void BeforeCall(string operation)
    {
    }
}
