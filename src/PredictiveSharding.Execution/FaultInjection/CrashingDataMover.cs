using PredictiveSharding.Keys;
using PredictiveSharding.Moving;
using PredictiveSharding.Topology;

namespace PredictiveSharding.Execution.FaultInjection;

/// <summary>
/// A mover wrapper that crashes (per a <see cref="CrashSwitch"/>) before a call reaches the store: kill the executor
/// mid-copy, mid-catch-up, mid-verification or around the cut-over. Fence handles are returned unwrapped so a "dead"
/// executor's fence can still be released, as a real store releases the fence of a client that died.
/// </summary>
public sealed class CrashingDataMover : IDataMover
{
    private readonly IDataMover _inner;
    private readonly CrashSwitch _crash;

    /// <summary>Wraps <paramref name="inner"/>.</summary>
    public CrashingDataMover(IDataMover inner, CrashSwitch crash)
    {
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentNullException.ThrowIfNull(crash);
        _inner = inner;
        _crash = crash;
    }

    /// <inheritdoc />
    public IReadOnlyCollection<NodeId> Nodes => _inner.Nodes;

    /// <inheritdoc />
    public ValueTask<ChangeCapture> StartChangeCaptureAsync(NodeId node, KeyRange range, string captureId, CancellationToken cancellationToken)
    {
        _crash.Tick("start change capture");
        return _inner.StartChangeCaptureAsync(node, range, captureId, cancellationToken);
    }

    /// <inheritdoc />
    public ValueTask<ChangeCapture?> ResumeChangeCaptureAsync(NodeId node, string captureId, CancellationToken cancellationToken)
    {
        _crash.Tick("resume change capture");
        return _inner.ResumeChangeCaptureAsync(node, captureId, cancellationToken);
    }

    /// <inheritdoc />
    public ValueTask StopChangeCaptureAsync(NodeId node, string captureId, CancellationToken cancellationToken)
    {
        _crash.Tick("stop change capture");
        return _inner.StopChangeCaptureAsync(node, captureId, cancellationToken);
    }

    /// <inheritdoc />
    public ValueTask<RangeChunk> ReadChunkAsync(NodeId node, KeyRange range, ShardKey from, int maxBytes, CancellationToken cancellationToken)
    {
        _crash.Tick("read chunk");
        return _inner.ReadChunkAsync(node, range, from, maxBytes, cancellationToken);
    }

    /// <summary>Opens the inner mover's copy wrapped so that each step and each commit is a crash point, like any call.</summary>
    public async ValueTask<RangeCopy> OpenCopyAsync(NodeId source, NodeId target, KeyRange range, ShardKey from, CancellationToken cancellationToken)
    {
        _crash.Tick("open copy");
        return new CrashingRangeCopy(await _inner.OpenCopyAsync(source, target, range, from, cancellationToken).ConfigureAwait(false), _crash);
    }

    /// <inheritdoc />
    public ValueTask WriteAsync(NodeId node, IReadOnlyList<KeyValueEntry> entries, CancellationToken cancellationToken)
    {
        _crash.Tick("write chunk");
        return _inner.WriteAsync(node, entries, cancellationToken);
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<ChangeRecord>> ReadChangesAsync(ChangeCapture capture, long fromSequence, int maxChanges, CancellationToken cancellationToken)
    {
        _crash.Tick("read changes");
        return _inner.ReadChangesAsync(capture, fromSequence, maxChanges, cancellationToken);
    }

    /// <inheritdoc />
    public ValueTask ApplyChangesAsync(NodeId node, IReadOnlyList<ChangeRecord> changes, CancellationToken cancellationToken)
    {
        _crash.Tick("apply changes");
        return _inner.ApplyChangesAsync(node, changes, cancellationToken);
    }

    /// <inheritdoc />
    public ValueTask<RangeChecksum> ChecksumAsync(NodeId node, KeyRange range, CancellationToken cancellationToken)
    {
        _crash.Tick("checksum");
        return _inner.ChecksumAsync(node, range, cancellationToken);
    }

    /// <inheritdoc />
    public async ValueTask<RangeChecksumScan> OpenChecksumScanAsync(NodeId node, KeyRange range, CancellationToken cancellationToken)
    {
        _crash.Tick("open checksum scan");
        return new CrashingChecksumScan(await _inner.OpenChecksumScanAsync(node, range, cancellationToken).ConfigureAwait(false), _crash);
    }

    /// <inheritdoc />
    public ValueTask<IAsyncDisposable> FenceWritesAsync(NodeId node, KeyRange range, CancellationToken cancellationToken)
    {
        _crash.Tick("fence writes");
        return _inner.FenceWritesAsync(node, range, cancellationToken);
    }

    /// <inheritdoc />
    public ValueTask DeleteRangeAsync(NodeId node, KeyRange range, CancellationToken cancellationToken)
    {
        _crash.Tick("delete range");
        return _inner.DeleteRangeAsync(node, range, cancellationToken);
    }
}
