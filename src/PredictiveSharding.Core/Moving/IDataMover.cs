using PredictiveSharding.Keys;
using PredictiveSharding.Topology;

namespace PredictiveSharding.Moving;

/// <summary>
/// The host's storage, as the executor uses it to move a key range between nodes: read in chunks, write in
/// batches, capture changes, checksum, fence writes and delete. A host database implements this over its own
/// storage engine; every method must be safe to call again after a crash (idempotent writes and deletes).
/// </summary>
public interface IDataMover
{
    /// <summary>Starts capturing writes to <paramref name="range"/> on <paramref name="node"/>; returns a handle to read them.</summary>
    ValueTask<ChangeCapture> StartChangeCaptureAsync(NodeId node, KeyRange range, CancellationToken cancellationToken);

    /// <summary>Reopens a capture by the id journalled before a crash; null when the node no longer has it.</summary>
    ValueTask<ChangeCapture?> ResumeChangeCaptureAsync(NodeId node, string captureId, CancellationToken cancellationToken);

    /// <summary>Stops a capture and frees what it holds.</summary>
    ValueTask StopChangeCaptureAsync(ChangeCapture capture, CancellationToken cancellationToken);

    /// <summary>Reads up to <paramref name="maxBytes"/> of the range in key order, starting at <paramref name="from"/> (inclusive).</summary>
    ValueTask<RangeChunk> ReadChunkAsync(NodeId node, KeyRange range, ShardKey from, int maxBytes, CancellationToken cancellationToken);

    /// <summary>Writes entries to a node (puts; idempotent).</summary>
    ValueTask WriteAsync(NodeId node, IReadOnlyList<KeyValueEntry> entries, CancellationToken cancellationToken);

    /// <summary>Reads captured changes with sequence at least <paramref name="fromSequence"/>, at most <paramref name="maxChanges"/>.</summary>
    ValueTask<IReadOnlyList<ChangeRecord>> ReadChangesAsync(ChangeCapture capture, long fromSequence, int maxChanges, CancellationToken cancellationToken);

    /// <summary>Applies changes to a node in sequence order (puts and deletes; idempotent).</summary>
    ValueTask ApplyChangesAsync(NodeId node, IReadOnlyList<ChangeRecord> changes, CancellationToken cancellationToken);

    /// <summary>Checksums the range on a node, in key order.</summary>
    ValueTask<RangeChecksum> ChecksumAsync(NodeId node, KeyRange range, CancellationToken cancellationToken);

    /// <summary>Blocks writes to the range on a node until the returned handle is disposed; in-flight writes finish first.</summary>
    ValueTask<IAsyncDisposable> FenceWritesAsync(NodeId node, KeyRange range, CancellationToken cancellationToken);

    /// <summary>Deletes every key of the range on a node (idempotent).</summary>
    ValueTask DeleteRangeAsync(NodeId node, KeyRange range, CancellationToken cancellationToken);
}
