using PredictiveSharding.Keys;
using PredictiveSharding.Moving;
using PredictiveSharding.Topology;

namespace PredictiveSharding.Hosting.Tests.Fakes;

/// <summary>Another mover with a hook run before each chunk write (copies use the interface's chunked copy through this mover) and one before each range deletion.</summary>
internal sealed class HookedDataMover(IDataMover inner) : IDataMover
{
    public Action? BeforeWrite { get; set; }

    /// <summary>Run with the node before each range deletion (a move's target before its copy, its source at clean-up).</summary>
    public Action<NodeId>? BeforeDelete { get; set; }

    public IReadOnlyCollection<NodeId> Nodes => inner.Nodes;

    public ValueTask<ChangeCapture> StartChangeCaptureAsync(NodeId node, KeyRange range, string captureId, CancellationToken cancellationToken) => inner.StartChangeCaptureAsync(node, range, captureId, cancellationToken);

    public ValueTask<ChangeCapture?> ResumeChangeCaptureAsync(NodeId node, string captureId, CancellationToken cancellationToken) => inner.ResumeChangeCaptureAsync(node, captureId, cancellationToken);

    public ValueTask StopChangeCaptureAsync(NodeId node, string captureId, CancellationToken cancellationToken) => inner.StopChangeCaptureAsync(node, captureId, cancellationToken);

    public ValueTask<RangeChunk> ReadChunkAsync(NodeId node, KeyRange range, ShardKey from, int maxBytes, CancellationToken cancellationToken) => inner.ReadChunkAsync(node, range, from, maxBytes, cancellationToken);

    public ValueTask WriteAsync(NodeId node, IReadOnlyList<KeyValueEntry> entries, CancellationToken cancellationToken)
    {
        BeforeWrite?.Invoke();
        return inner.WriteAsync(node, entries, cancellationToken);
    }

    public ValueTask<IReadOnlyList<ChangeRecord>> ReadChangesAsync(ChangeCapture capture, long fromSequence, int maxChanges, CancellationToken cancellationToken) => inner.ReadChangesAsync(capture, fromSequence, maxChanges, cancellationToken);

    public ValueTask ApplyChangesAsync(NodeId node, IReadOnlyList<ChangeRecord> changes, CancellationToken cancellationToken) => inner.ApplyChangesAsync(node, changes, cancellationToken);

    public ValueTask<RangeChecksum> ChecksumAsync(NodeId node, KeyRange range, CancellationToken cancellationToken) => inner.ChecksumAsync(node, range, cancellationToken);

    public ValueTask<IAsyncDisposable> FenceWritesAsync(NodeId node, KeyRange range, CancellationToken cancellationToken) => inner.FenceWritesAsync(node, range, cancellationToken);

    public ValueTask DeleteRangeAsync(NodeId node, KeyRange range, CancellationToken cancellationToken)
    {
        BeforeDelete?.Invoke(node);
        return inner.DeleteRangeAsync(node, range, cancellationToken);
    }
}
