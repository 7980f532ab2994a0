using PredictiveSharding.Keys;
using RocksDbSharp;

namespace PredictiveSharding.Storage.RocksDb;

/// <summary>One iterator of a <see cref="SnapshotCursor"/>, over one sub-range of its range, positioned at the sub-range's first key.</summary>
internal sealed class SnapshotLane : IDisposable
{
    // The iterator reads its bounds from memory this object owns (see RocksDbNode.ScanRange): keep it referenced.
    private readonly ReadOptions _readOptions;

    public SnapshotLane(RocksDbNode node, ReadOptions readOptions, ShardKey start, ShardKey? end)
    {
        _readOptions = readOptions;
        Start = start;
        End = end;
        Iterator = node.NewDataIterator(readOptions);
        Iterator.Seek(start.Span);
    }

    /// <summary>The sub-range's first key (inclusive).</summary>
    public ShardKey Start { get; }

    /// <summary>The sub-range's end (exclusive); null for no end.</summary>
    public ShardKey? End { get; }

    /// <summary>The bounded iterator.</summary>
    public Iterator Iterator { get; }

    /// <summary>Set by the lane's reader once the iterator has passed the sub-range's last entry.</summary>
    public bool Exhausted { get; set; }

    public void Dispose()
    {
        Iterator.Dispose();
        GC.KeepAlive(_readOptions);
    }
}
