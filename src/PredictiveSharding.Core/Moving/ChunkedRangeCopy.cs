using PredictiveSharding.Keys;
using PredictiveSharding.Topology;

namespace PredictiveSharding.Moving;

/// <summary>
/// The default <see cref="RangeCopy"/>: each step is a <see cref="IDataMover.ReadChunkAsync"/> on the source and a
/// <see cref="IDataMover.WriteAsync"/> on the target, through the mover it was opened on (so a wrapper's calls still
/// pass through the wrapper). Chunks are read at different times, so it offers no <see cref="RangeCopy.SourceChecksum"/>.
/// </summary>
internal sealed class ChunkedRangeCopy(IDataMover mover, NodeId source, NodeId target, KeyRange range, ShardKey from) : RangeCopy
{
    private ShardKey? _next = from;

    public override async ValueTask<RangeCopyStep> CopyNextAsync(int maxBytes, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxBytes);
        if (_next is not { } start)
        {
            return new RangeCopyStep(0, 0, null);
        }

        var chunk = await mover.ReadChunkAsync(source, range, start, maxBytes, cancellationToken).ConfigureAwait(false);
        if (chunk.ResumeFrom is { } resume && resume <= start)
        {
            // The executor copies until the last step: a chunk that does not move on would be copied forever.
            throw new InvalidOperationException($"Reading {range} on node '{source}' from '{start}' returned {chunk.Entries.Count} entries and a resume key '{resume}' that does not move past it; a chunk must hold at least one entry when any is left, and resume after it.");
        }

        long bytes = 0;
        foreach (var entry in chunk.Entries)
        {
            bytes += entry.Key.Length + entry.Value.Length;
        }

        if (chunk.Entries.Count > 0)
        {
            await mover.WriteAsync(target, chunk.Entries, cancellationToken).ConfigureAwait(false);
        }

        _next = chunk.ResumeFrom;
        return new RangeCopyStep(chunk.Entries.Count, bytes, chunk.ResumeFrom);
    }

    // WriteAsync is durable when it returns.
    public override ValueTask CommitAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.CompletedTask;
    }
}
