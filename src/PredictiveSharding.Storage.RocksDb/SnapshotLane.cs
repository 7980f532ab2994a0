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
    /// <param name="start">The sub-range's first key.</param>
    /// <param name="end">The sub-range's end (exclusive; also in <paramref name="readOptions"/>); null for no end.</param>
    /// <param name="empty">True when [start, end) holds no key at all (the iterator is then not positioned).</param>
    public SnapshotLane(RocksDbNode node, ReadOptions readOptions, ShardKey start, ShardKey? end, bool empty)
    {
        _readOptions = readOptions;
        Start = start;
        End = end;
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

    /// <summary>The sub-range's first key (inclusive).</summary>
    public ShardKey Start { get; }

    /// <summary>The sub-range's end (exclusive), or null for no end.</summary>
    public ShardKey? End { get; }

    /// <summary>
    /// The first key of the sub-range not read yet: the entry the iterator stands on, or <see cref="End"/> once exhausted
    /// (every key of the sub-range below it has been read).
    /// </summary>
    public ShardKey? NextUnread => Exhausted ? End : ShardKey.FromBytes(Iterator.GetKeySpan());

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
