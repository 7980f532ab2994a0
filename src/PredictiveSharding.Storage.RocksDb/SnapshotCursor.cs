using PredictiveSharding.Keys;
using RocksDbSharp;

namespace PredictiveSharding.Storage.RocksDb;

/// <summary>
/// One iterator over one sequenced snapshot of a node's data, bounded to [start, end), reading for bulk work (no
/// block-cache fill, 2 MiB readahead): what a copy and a stepwise checksum both hold across calls. Not positioned: the
/// owner seeks.
/// </summary>
internal sealed class SnapshotCursor : IDisposable
{
    private const ulong BulkReadaheadBytes = 2 * 1024 * 1024;

    private readonly Snapshot _snapshot;

    // The iterator reads its bounds from memory this object owns (see RocksDbNode.ScanRange): keep it referenced.
    private readonly ReadOptions _readOptions;

    public SnapshotCursor(RocksDbNode node, ShardKey start, ShardKey? end)
    {
        (_snapshot, Sequence) = node.CreateSequencedSnapshot();
        try
        {
            _readOptions = new ReadOptions()
                .SetIterateLowerBound(start.Span.ToArray())
                .SetSnapshot(_snapshot)
                .SetFillCache(false)
                .SetReadaheadSize(BulkReadaheadBytes);
            if (end is { } upper)
            {
                _readOptions.SetIterateUpperBound(upper.Span.ToArray());
            }

            Iterator = node.NewDataIterator(_readOptions);
        }
        catch
        {
            _snapshot.Dispose();
            throw;
        }
    }

    /// <summary>The node's sequence the snapshot was taken at (see <see cref="RocksDbNode.CreateSequencedSnapshot"/>).</summary>
    public long Sequence { get; }

    /// <summary>The bounded iterator over the snapshot.</summary>
    public Iterator Iterator { get; }

    /// <summary>Frees the iterator and the snapshot; the node's database must still be open.</summary>
    public void Dispose()
    {
        Iterator.Dispose();
        _snapshot.Dispose();
        GC.KeepAlive(_readOptions);
    }
}
