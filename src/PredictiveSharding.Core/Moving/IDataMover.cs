using PredictiveSharding.Keys;
using PredictiveSharding.Topology;

namespace PredictiveSharding.Moving;

/// <summary>
/// The host's storage, as the executor uses it to move a key range between nodes: read in chunks, write in
/// batches, capture changes, checksum, fence writes and delete. A host database implements this over its own
/// storage engine; every method must be safe to call again after a crash (idempotent writes and deletes).
/// </summary>
/// <remarks>
/// <para>
/// Sequences: every write a node applies (a host write, or one of this interface's writes) gets a sequence number
/// from one counter per node that only increases. Change captures and checksums use that counter, so a checksum
/// taken on the source can be matched exactly with the captured changes (see <see cref="RangeChecksum.Sequence"/>).
/// </para>
/// <para>
/// Host writes and fences: a node checks, for every host write, that the write's range is not fenced (waiting while it
/// is) and then that the node still owns the key in the current routing version (e.g. with
/// <see cref="RoutingVersionGuard"/>), both atomically with applying the write. That is what lets the executor publish a
/// new owner while the source is fenced: writes that waited at the fence find afterwards that the node no longer owns
/// the key and are refused as stale instead of landing on the old owner. Writes made through this interface are not
/// subject to fences.
/// </para>
/// <para>
/// Errors: an unknown node is an <see cref="ArgumentException"/>; cancellation is an
/// <see cref="OperationCanceledException"/>; anything the executor may retry (a timeout, a dropped connection) should
/// be an exception its retry policy treats as transient.
/// </para>
/// </remarks>
public interface IDataMover
{
    /// <summary>The nodes this mover can reach; a plan naming any other node is refused.</summary>
    IReadOnlyCollection<NodeId> Nodes { get; }

    /// <summary>
    /// Starts capturing writes to <paramref name="range"/> on <paramref name="node"/>, under the caller's id, and returns a
    /// handle to read them. Every write applied after this returns is in the feed. Idempotent: starting a capture with
    /// an id the node already has returns the existing capture unchanged.
    /// </summary>
    /// <param name="node">The node whose writes to capture.</param>
    /// <param name="range">The range to capture.</param>
    /// <param name="captureId">The caller's id for the capture, journalled before the call so a capture left by a crash can be found and stopped.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    ValueTask<ChangeCapture> StartChangeCaptureAsync(NodeId node, KeyRange range, string captureId, CancellationToken cancellationToken);

    /// <summary>Reopens a capture by its id; null when the node does not have it (never started, stopped, or lost in a restart).</summary>
    ValueTask<ChangeCapture?> ResumeChangeCaptureAsync(NodeId node, string captureId, CancellationToken cancellationToken);

    /// <summary>Stops a capture and frees what it holds. Idempotent: an unknown id does nothing.</summary>
    ValueTask StopChangeCaptureAsync(NodeId node, string captureId, CancellationToken cancellationToken);

    /// <summary>Reads up to <paramref name="maxBytes"/> of the range in key order, starting at <paramref name="from"/> (inclusive).</summary>
    /// <remarks>A chunk holds at least one entry when any is left, even when that entry alone is larger than <paramref name="maxBytes"/>.</remarks>
    ValueTask<RangeChunk> ReadChunkAsync(NodeId node, KeyRange range, ShardKey from, int maxBytes, CancellationToken cancellationToken);

    /// <summary>
    /// Opens a copy of <paramref name="range"/> from <paramref name="source"/> to <paramref name="target"/>, starting at
    /// <paramref name="from"/> (inclusive). The default copies with <see cref="ReadChunkAsync"/> and <see cref="WriteAsync"/>
    /// on this mover; a store overrides it to copy one snapshot with its own bulk path (see <see cref="RangeCopy"/>). Writes
    /// made through it are, like <see cref="WriteAsync"/>'s, puts that are safe to repeat.
    /// </summary>
    /// <param name="source">The node to read from.</param>
    /// <param name="target">The node to write to.</param>
    /// <param name="range">The range to copy.</param>
    /// <param name="from">The first key to copy; the range's start, or a resume key of an earlier copy.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    ValueTask<RangeCopy> OpenCopyAsync(NodeId source, NodeId target, KeyRange range, ShardKey from, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult<RangeCopy>(new ChunkedRangeCopy(this, source, target, range, from));
    }

    /// <summary>Writes entries to a node (puts; idempotent).</summary>
    ValueTask WriteAsync(NodeId node, IReadOnlyList<KeyValueEntry> entries, CancellationToken cancellationToken);

    /// <summary>
    /// Reads captured changes with sequence at least <paramref name="fromSequence"/>, in sequence order, at most
    /// <paramref name="maxChanges"/>; empty when there are none yet.
    /// </summary>
    /// <exception cref="InvalidOperationException">The capture was stopped or is unknown to the node.</exception>
    ValueTask<IReadOnlyList<ChangeRecord>> ReadChangesAsync(ChangeCapture capture, long fromSequence, int maxChanges, CancellationToken cancellationToken);

    /// <summary>Applies changes to a node in sequence order (puts and deletes; idempotent).</summary>
    ValueTask ApplyChangesAsync(NodeId node, IReadOnlyList<ChangeRecord> changes, CancellationToken cancellationToken);

    /// <summary>
    /// Checksums the range on a node, in key order, over one consistent snapshot, and says which writes that snapshot
    /// holds (<see cref="RangeChecksum.Sequence"/>).
    /// </summary>
    ValueTask<RangeChecksum> ChecksumAsync(NodeId node, KeyRange range, CancellationToken cancellationToken);

    /// <summary>
    /// Opens a checksum of <paramref name="range"/> on <paramref name="node"/> computed in steps over one snapshot, so the
    /// caller can pace the read (see <see cref="RangeChecksumScan"/>). Its result equals <see cref="ChecksumAsync"/>'s for
    /// that snapshot, <see cref="RangeChecksum.Sequence"/> included. The default scans in a single step with
    /// <see cref="ChecksumAsync"/>; a store overrides it to hold one snapshot and iterator across steps.
    /// </summary>
    /// <param name="node">The node whose range to checksum.</param>
    /// <param name="range">The range to checksum.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    ValueTask<RangeChecksumScan> OpenChecksumScanAsync(NodeId node, KeyRange range, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult<RangeChecksumScan>(new SingleStepChecksumScan(this, node, range));
    }

    /// <summary>
    /// Blocks host writes to the range on a node until the returned handle is disposed; in-flight writes finish
    /// first, so when this returns no host write to the range is in progress and none will start. Writes outside the
    /// range, reads, and this interface's own writes are not blocked.
    /// </summary>
    /// <remarks>
    /// Idempotent: fencing a range the node already has fenced (the same range, not an overlapping one) returns a handle
    /// to that fence, and disposing any handle to it lifts it; fences are not counted. A call whose reply was lost (it
    /// threw after the node fenced the range) may have left a fence no one holds a handle to: the executor calls again,
    /// to retry or to lift it, and disposing the handle it gets then lifts that fence too. A fence that stacked instead
    /// would hold host writes to the range for good.
    /// </remarks>
    ValueTask<IAsyncDisposable> FenceWritesAsync(NodeId node, KeyRange range, CancellationToken cancellationToken);

    /// <summary>Deletes every key of the range on a node (idempotent).</summary>
    ValueTask DeleteRangeAsync(NodeId node, KeyRange range, CancellationToken cancellationToken);
}
