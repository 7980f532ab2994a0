using PredictiveSharding.Keys;
using PredictiveSharding.Moving;
using PredictiveSharding.Topology;

namespace PredictiveSharding.Execution.Resilience;

/// <summary>The host's mover with every call retried on transient errors (every call is idempotent by contract).</summary>
internal sealed class RetryingDataMover(IDataMover inner, MoverRetry retry) : IDataMover
{
    public IReadOnlyCollection<NodeId> Nodes => inner.Nodes;

    public ValueTask<ChangeCapture> StartChangeCaptureAsync(NodeId node, KeyRange range, string captureId, CancellationToken cancellationToken) =>
        retry.RunAsync("start change capture", ct => inner.StartChangeCaptureAsync(node, range, captureId, ct), cancellationToken);

    public ValueTask<ChangeCapture?> ResumeChangeCaptureAsync(NodeId node, string captureId, CancellationToken cancellationToken) =>
        retry.RunAsync("resume change capture", ct => inner.ResumeChangeCaptureAsync(node, captureId, ct), cancellationToken);

    public ValueTask StopChangeCaptureAsync(NodeId node, string captureId, CancellationToken cancellationToken) =>
        retry.RunAsync("stop change capture", ct => inner.StopChangeCaptureAsync(node, captureId, ct), cancellationToken);

    public ValueTask<RangeChunk> ReadChunkAsync(NodeId node, KeyRange range, ShardKey from, int maxBytes, CancellationToken cancellationToken) =>
        retry.RunAsync("read chunk", ct => inner.ReadChunkAsync(node, range, from, maxBytes, ct), cancellationToken);

    // Not retried here: a copy is stateful, and the executor retries a failed copy by opening it again (see MoveStateMachine).
    public ValueTask<RangeCopy> OpenCopyAsync(NodeId source, NodeId target, KeyRange range, ShardKey from, CancellationToken cancellationToken) =>
        inner.OpenCopyAsync(source, target, range, from, cancellationToken);

    public ValueTask WriteAsync(NodeId node, IReadOnlyList<KeyValueEntry> entries, CancellationToken cancellationToken) =>
        retry.RunAsync("write chunk", ct => inner.WriteAsync(node, entries, ct), cancellationToken);

    public ValueTask<IReadOnlyList<ChangeRecord>> ReadChangesAsync(ChangeCapture capture, long fromSequence, int maxChanges, CancellationToken cancellationToken) =>
        retry.RunAsync("read changes", ct => inner.ReadChangesAsync(capture, fromSequence, maxChanges, ct), cancellationToken);

    public ValueTask ApplyChangesAsync(NodeId node, IReadOnlyList<ChangeRecord> changes, CancellationToken cancellationToken) =>
        retry.RunAsync("apply changes", ct => inner.ApplyChangesAsync(node, changes, ct), cancellationToken);

    public ValueTask<RangeChecksum> ChecksumAsync(NodeId node, KeyRange range, CancellationToken cancellationToken) =>
        retry.RunAsync("checksum", ct => inner.ChecksumAsync(node, range, ct), cancellationToken);

    // A scan is stateful (a snapshot, an iterator): the executor retries it whole by opening it again, as it does a copy.
    public ValueTask<RangeChecksumScan> OpenChecksumScanAsync(NodeId node, KeyRange range, CancellationToken cancellationToken) =>
        inner.OpenChecksumScanAsync(node, range, cancellationToken);

    // Safe to repeat because a fence is idempotent per node and range (IDataMover): when a call fenced the range and then
    // threw (its reply lost), the retry gets a handle to that fence, whose disposal lifts it, not a second fence.
    public ValueTask<IAsyncDisposable> FenceWritesAsync(NodeId node, KeyRange range, CancellationToken cancellationToken) =>
        retry.RunAsync("fence writes", ct => inner.FenceWritesAsync(node, range, ct), cancellationToken);

    public ValueTask DeleteRangeAsync(NodeId node, KeyRange range, CancellationToken cancellationToken) =>
        retry.RunAsync("delete range", ct => inner.DeleteRangeAsync(node, range, ct), cancellationToken);
}
