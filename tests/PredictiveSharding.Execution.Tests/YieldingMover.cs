using PredictiveSharding.Keys;
using PredictiveSharding.Moving;
using PredictiveSharding.Topology;

namespace PredictiveSharding.Execution.Tests;

/// <summary>Yields (and optionally waits for the test's signal) before every chunk read.</summary>
internal sealed class YieldingMover(IDataMover inner, Func<CancellationToken, Task>? beforeRead = null) : DelegatingDataMover(inner)
{
    // The in-memory store completes synchronously; yielding per chunk lets the writers' threads in mid-move.
    public override async ValueTask<RangeChunk> ReadChunkAsync(NodeId node, KeyRange range, ShardKey from, int maxBytes, CancellationToken cancellationToken)
    {
        await Task.Yield();
        if (beforeRead is not null)
        {
            await beforeRead(cancellationToken);
        }

        return await base.ReadChunkAsync(node, range, from, maxBytes, cancellationToken);
    }
}
