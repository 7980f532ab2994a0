using System.Diagnostics;
using PredictiveSharding.Keys;
using PredictiveSharding.Moving;
using PredictiveSharding.Topology;

namespace PredictiveSharding.Benchmarks.Execution;

/// <summary>
/// Passes every call to the store and times each write fence from the moment it is raised (FenceWritesAsync returned)
/// to the moment the executor disposes it: how long host writes to the range were held back during a cut-over.
/// </summary>
public sealed class FenceTimingDataMover : IDataMover
{
    private readonly IDataMover _inner;
    private readonly Action<double> _onFenceReleased;

    /// <summary>Wraps <paramref name="inner"/>; <paramref name="onFenceReleased"/> gets each fence's hold time in milliseconds.</summary>
    public FenceTimingDataMover(IDataMover inner, Action<double> onFenceReleased)
    {
        _inner = inner;
        _onFenceReleased = onFenceReleased;
    }

    /// <inheritdoc />
    public IReadOnlyCollection<NodeId> Nodes => _inner.Nodes;

    /// <inheritdoc />
    public async ValueTask<IAsyncDisposable> FenceWritesAsync(NodeId node, KeyRange range, CancellationToken cancellationToken)
    {
        var fence = await _inner.FenceWritesAsync(node, range, cancellationToken).ConfigureAwait(false);
        return new TimedFence(fence, Stopwatch.GetTimestamp(), _onFenceReleased);
    }

    /// <inheritdoc />
    public ValueTask<ChangeCapture> StartChangeCaptureAsync(NodeId node, KeyRange range, string captureId, CancellationToken cancellationToken) => _inner.StartChangeCaptureAsync(node, range, captureId, cancellationToken);

    /// <inheritdoc />
    public ValueTask<ChangeCapture?> ResumeChangeCaptureAsync(NodeId node, string captureId, CancellationToken cancellationToken) => _inner.ResumeChangeCaptureAsync(node, captureId, cancellationToken);

    /// <inheritdoc />
    public ValueTask StopChangeCaptureAsync(NodeId node, string captureId, CancellationToken cancellationToken) => _inner.StopChangeCaptureAsync(node, captureId, cancellationToken);

    /// <inheritdoc />
    public ValueTask<RangeChunk> ReadChunkAsync(NodeId node, KeyRange range, ShardKey from, int maxBytes, CancellationToken cancellationToken) => _inner.ReadChunkAsync(node, range, from, maxBytes, cancellationToken);

    /// <inheritdoc />
    public ValueTask<RangeCopy> OpenCopyAsync(NodeId source, NodeId target, KeyRange range, ShardKey from, CancellationToken cancellationToken) => _inner.OpenCopyAsync(source, target, range, from, cancellationToken);

    /// <inheritdoc />
    public ValueTask WriteAsync(NodeId node, IReadOnlyList<KeyValueEntry> entries, CancellationToken cancellationToken) => _inner.WriteAsync(node, entries, cancellationToken);

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<ChangeRecord>> ReadChangesAsync(ChangeCapture capture, long fromSequence, int maxChanges, CancellationToken cancellationToken) => _inner.ReadChangesAsync(capture, fromSequence, maxChanges, cancellationToken);

    /// <inheritdoc />
    public ValueTask ApplyChangesAsync(NodeId node, IReadOnlyList<ChangeRecord> changes, CancellationToken cancellationToken) => _inner.ApplyChangesAsync(node, changes, cancellationToken);

    /// <inheritdoc />
    public ValueTask<RangeChecksum> ChecksumAsync(NodeId node, KeyRange range, CancellationToken cancellationToken) => _inner.ChecksumAsync(node, range, cancellationToken);

    /// <inheritdoc />
    public ValueTask<RangeChecksumScan> OpenChecksumScanAsync(NodeId node, KeyRange range, CancellationToken cancellationToken) => _inner.OpenChecksumScanAsync(node, range, cancellationToken);

    /// <inheritdoc />
    public ValueTask DeleteRangeAsync(NodeId node, KeyRange range, CancellationToken cancellationToken) => _inner.DeleteRangeAsync(node, range, cancellationToken);

    private sealed class TimedFence(IAsyncDisposable inner, long raisedAt, Action<double> onReleased) : IAsyncDisposable
    {
        private int _released;

        public async ValueTask DisposeAsync()
        {
            await inner.DisposeAsync().ConfigureAwait(false);
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                onReleased(Stopwatch.GetElapsedTime(raisedAt).TotalMilliseconds);
            }
        }
    }
}
