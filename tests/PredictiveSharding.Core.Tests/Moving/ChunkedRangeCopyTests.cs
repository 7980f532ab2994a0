using PredictiveSharding.Keys;
using PredictiveSharding.Moving;
using PredictiveSharding.Topology;

namespace PredictiveSharding.Core.Tests.Moving;

public sealed class ChunkedRangeCopyTests
{
    private static readonly NodeId Source = new("n1");
    private static readonly NodeId Target = new("n2");

    [Test]
    public async Task CopyNextAsync_WhenTheMoverResumesWhereTheChunkStarted_ThrowsInsteadOfLoopingForever()
    {
        // The executor calls CopyNextAsync until the last step: a mover whose chunk does not move the resume key on (an
        // empty chunk that is not the last, or a resume key at or before its start) made it copy the same chunk forever.
        IDataMover mover = new StuckMover();
        await using var copy = await mover.OpenCopyAsync(Source, Target, KeyRange.FromStrings("a", "z"), ShardKey.FromString("c"), CancellationToken.None);

        Assert.That(
            async () => await copy.CopyNextAsync(1024, CancellationToken.None),
            Throws.InvalidOperationException.With.Message.Contains("'c'").And.Message.Contains("n1"));
    }

    [Test]
    public async Task CopyNextAsync_CopiesChunksUntilTheLast()
    {
        IDataMover mover = new TwoChunkMover();
        await using var copy = await mover.OpenCopyAsync(Source, Target, KeyRange.FromStrings("a", "z"), ShardKey.FromString("a"), CancellationToken.None);

        var first = await copy.CopyNextAsync(1024, CancellationToken.None);
        var second = await copy.CopyNextAsync(1024, CancellationToken.None);

        Assert.That((first.Keys, first.IsLast, second.Keys, second.IsLast), Is.EqualTo((1L, false, 1L, true)));
    }

    private sealed class StuckMover : ChunkMover
    {
        public override ValueTask<RangeChunk> ReadChunkAsync(NodeId node, KeyRange range, ShardKey from, int maxBytes, CancellationToken cancellationToken) =>
            ValueTask.FromResult(new RangeChunk([], from));
    }

    private sealed class TwoChunkMover : ChunkMover
    {
        public override ValueTask<RangeChunk> ReadChunkAsync(NodeId node, KeyRange range, ShardKey from, int maxBytes, CancellationToken cancellationToken) =>
            ValueTask.FromResult(from == ShardKey.FromString("a")
                ? new RangeChunk([new KeyValueEntry(ShardKey.FromString("b"), new byte[] { 1 })], ShardKey.FromString("m"))
                : new RangeChunk([new KeyValueEntry(ShardKey.FromString("m"), new byte[] { 2 })], null));
    }

    /// <summary>A mover that only reads chunks and accepts writes.</summary>
    private abstract class ChunkMover : IDataMover
    {
        public IReadOnlyCollection<NodeId> Nodes => [Source, Target];

        public abstract ValueTask<RangeChunk> ReadChunkAsync(NodeId node, KeyRange range, ShardKey from, int maxBytes, CancellationToken cancellationToken);

        public ValueTask WriteAsync(NodeId node, IReadOnlyList<KeyValueEntry> entries, CancellationToken cancellationToken) => ValueTask.CompletedTask;

        public ValueTask<ChangeCapture> StartChangeCaptureAsync(NodeId node, KeyRange range, string captureId, CancellationToken cancellationToken) => throw new NotSupportedException();

        public ValueTask<ChangeCapture?> ResumeChangeCaptureAsync(NodeId node, string captureId, CancellationToken cancellationToken) => throw new NotSupportedException();

        public ValueTask StopChangeCaptureAsync(NodeId node, string captureId, CancellationToken cancellationToken) => throw new NotSupportedException();

        public ValueTask<IReadOnlyList<ChangeRecord>> ReadChangesAsync(ChangeCapture capture, long fromSequence, int maxChanges, CancellationToken cancellationToken) => throw new NotSupportedException();

        public ValueTask ApplyChangesAsync(NodeId node, IReadOnlyList<ChangeRecord> changes, CancellationToken cancellationToken) => throw new NotSupportedException();

        public ValueTask<RangeChecksum> ChecksumAsync(NodeId node, KeyRange range, CancellationToken cancellationToken) => throw new NotSupportedException();

        public ValueTask<IAsyncDisposable> FenceWritesAsync(NodeId node, KeyRange range, CancellationToken cancellationToken) => throw new NotSupportedException();

        public ValueTask DeleteRangeAsync(NodeId node, KeyRange range, CancellationToken cancellationToken) => throw new NotSupportedException();
    }
}
