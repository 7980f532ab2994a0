using PredictiveSharding.Keys;
using RocksDbSharp;

namespace PredictiveSharding.Storage.RocksDb;

/// <summary>One iterator of a <see cref="SnapshotCursor"/>, over one sub-range of its range, positioned at the sub-range's first key.</summary>
internal sealed class SnapshotLane : IDisposable
{
    // The iterator reads its bounds from memory this object owns (see RocksDbNode.ScanRange): keep it referenced.
    private readonly ReadOptions _readOptions;

    /// <param name="node">The node to read.</param>
    /// <param name="readOptions">Bounds and snapshot of the iterator; kept alive with it.</param>
    /// <param name="start">The sub-range's first key (its end is in <paramref name="readOptions"/>).</param>
    /// <param name="empty">True when [start, end) holds no key at all (the iterator is then not positioned).</param>
    public SnapshotLane(RocksDbNode node, ReadOptions readOptions, ShardKey start, bool empty)
    {
        _readOptions = readOptions;
        Iterator = node.NewDataIterator(readOptions);
        if (empty)
        {
            Exhausted = true;
            return;
        }

        try
        {
            // A lane that is not exhausted always stands on its next entry (see SnapshotCursor.ResumeKey).
            Iterator.Seek(start.Span);
            if (!Iterator.Valid())
            {
                RocksDbNode.ThrowIfFailed(Iterator);
                Exhausted = true;
            }
        }
        catch
        {
            Iterator.Dispose();
            throw;
        }
    }

    /// <summary>The bounded iterator.</summary>
    public Iterator Iterator { get; }

    /// <summary>True once the iterator has passed the sub-range's last entry; until then it stands on the next entry to read.</summary>
    public bool Exhausted { get; set; }

    public void Dispose()
    {
        Iterator.Dispose();
        GC.KeepAlive(_readOptions);
    }
}
