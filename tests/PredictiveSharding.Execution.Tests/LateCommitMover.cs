using PredictiveSharding.Keys;
using PredictiveSharding.Moving;
using PredictiveSharding.Topology;

namespace PredictiveSharding.Execution.Tests;

/// <summary>
/// A mover whose copy behaves like a store that builds files and ingests them: entries a step copies reach the target only
/// at the next commit, so a crash between a step and its commit loses them.
/// </summary>
internal sealed class LateCommitMover(IDataMover inner) : DelegatingDataMover(inner), IDataMover
{
    public int Commits { get; private set; }

    public ValueTask<RangeCopy> OpenCopyAsync(NodeId source, NodeId target, KeyRange range, ShardKey from, CancellationToken cancellationToken) =>
        ValueTask.FromResult<RangeCopy>(new LateCommitCopy(this, source, target, range, from));

    private sealed class LateCommitCopy(LateCommitMover mover, NodeId source, NodeId target, KeyRange range, ShardKey from) : RangeCopy
    {
        private readonly List<KeyValueEntry> _pending = [];
        private ShardKey? _next = from;

        public override async ValueTask<RangeCopyStep> CopyNextAsync(int maxBytes, CancellationToken cancellationToken)
        {
            if (_next is not { } start)
            {
                return new RangeCopyStep(0, 0, null);
            }

            var chunk = await mover.ReadChunkAsync(source, range, start, maxBytes, cancellationToken);
            _pending.AddRange(chunk.Entries);
            _next = chunk.ResumeFrom;
            return new RangeCopyStep(chunk.Entries.Count, chunk.Entries.Sum(e => (long)e.Key.Length + e.Value.Length), chunk.ResumeFrom);
        }

        public override async ValueTask CommitAsync(CancellationToken cancellationToken)
        {
            if (_pending.Count > 0)
            {
                await mover.WriteAsync(target, _pending.ToArray(), cancellationToken);
                _pending.Clear();
            }

            mover.Commits++;
        }
    }
}
