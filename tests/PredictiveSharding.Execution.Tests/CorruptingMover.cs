using PredictiveSharding.Moving;
using PredictiveSharding.Topology;

namespace PredictiveSharding.Execution.Tests;

/// <summary>Flips a bit in the first value it writes to any node: the copy on the target no longer matches the source.</summary>
internal sealed class CorruptingMover(IDataMover inner) : DelegatingDataMover(inner)
{
    private int _corrupted;

    public override ValueTask WriteAsync(NodeId node, IReadOnlyList<KeyValueEntry> entries, CancellationToken cancellationToken)
    {
        if (entries.Count > 0 && Interlocked.Exchange(ref _corrupted, 1) == 0)
        {
            // A bit flipped on the way to the target.
            var bad = entries[0].Value.ToArray();
            bad[0] ^= 0x01;
            entries = [new KeyValueEntry(entries[0].Key, bad), .. entries.Skip(1)];
        }

        return base.WriteAsync(node, entries, cancellationToken);
    }
}
