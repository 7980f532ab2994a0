using PredictiveSharding.Keys;
using PredictiveSharding.Storage.RocksDb.Interop;
using RocksDbSharp;

namespace PredictiveSharding.Storage.RocksDb;

/// <summary>
/// One sequenced snapshot of a node's data over [start, end), read by one or more iterators (<see cref="Lanes"/>), each
/// bounded to one sub-range, in key order, reading for bulk work (no block-cache fill, 2 MiB readahead): what a copy and a
/// stepwise checksum hold across calls. Several lanes let a reader use several cores on one range; all read the same
/// snapshot, so together they see exactly what one iterator would.
/// </summary>
internal sealed class SnapshotCursor : IDisposable
{
    private const ulong BulkReadaheadBytes = 2 * 1024 * 1024;
    private const int CancellationCheckInterval = 1024;

    /// <summary>
    /// The smallest share of a step worth a thread of its own: below it, handing work to the thread pool and waiting for
    /// it costs a noticeable part of the work itself.
    /// </summary>
    public const long MinParallelShareBytes = 64 * 1024;

    private readonly Snapshot _snapshot;
    private readonly List<SnapshotLane> _lanes = [];

    /// <param name="node">The node to read.</param>
    /// <param name="start">The first key (inclusive).</param>
    /// <param name="end">The end (exclusive); null for no end.</param>
    /// <param name="lanes">Iterators to split the range over (at least 1); fewer when the range holds too few keys to split.</param>
    public SnapshotCursor(RocksDbNode node, ShardKey start, ShardKey? end, int lanes)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(lanes);
        (_snapshot, Sequence) = node.CreateSequencedSnapshot();
        try
        {
            var empty = end is { } bound && start >= bound;
            var splits = lanes > 1 && !empty ? FindSplits(node, start, end, lanes) : [];
            for (var i = 0; i <= splits.Count; i++)
            {
                var laneStart = i == 0 ? start : splits[i - 1];
                var laneEnd = i == splits.Count ? end : splits[i];
                _lanes.Add(new SnapshotLane(node, BulkReadOptions(laneStart, laneEnd), laneStart, laneEnd, empty));
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>The node's sequence the snapshot was taken at (see <see cref="RocksDbNode.CreateSequencedSnapshot"/>).</summary>
    public long Sequence { get; }

    /// <summary>The iterators, in key order of their sub-ranges, which together cover the range exactly.</summary>
    public IReadOnlyList<SnapshotLane> Lanes => _lanes;

    /// <summary>True once every lane has passed its sub-range's last entry.</summary>
    public bool Exhausted => _lanes.TrueForAll(l => l.Exhausted);

    /// <summary>
    /// The first key not read yet in key order (every key of the range below it has been read), or null when the range
    /// is exhausted. With several lanes, keys above it may have been read too.
    /// </summary>
    public ShardKey? ResumeKey
    {
        get
        {
            foreach (var lane in _lanes)
            {
                if (!lane.Exhausted)
                {
                    // A lane is marked exhausted as soon as its iterator is not valid, so this one stands on its next entry.
                    return ShardKey.FromBytes(lane.Iterator.GetKeySpan());
                }
            }

            return null;
        }
    }

    /// <summary>
    /// Reads the next entries, up to <paramref name="maxBytes"/> of keys and values in all (at least one entry when any is
    /// left, so every step progresses, and otherwise short of the limit only by less than an entry per lane), and gives
    /// each to <paramref name="visit"/> with its lane's index. A large step is shared among the lanes not yet exhausted,
    /// which read in parallel, each on its own thread with its own iterator, so <paramref name="visit"/> is called
    /// concurrently for different lanes (in key order within a lane); a share a lane leaves unread because its sub-range
    /// ended goes to the others. A small step (less than <see cref="MinParallelShareBytes"/> per lane) reads the lanes one
    /// after the other, in key order, on the calling thread. Returns the entries and bytes read.
    /// </summary>
    public async ValueTask<(long Keys, long Bytes)> StepAsync(long maxBytes, Action<int, ReadOnlySpan<byte>, ReadOnlySpan<byte>> visit, CancellationToken cancellationToken)
    {
        long keys = 0;
        long bytes = 0;
        var active = new List<int>(_lanes.Count);
        while (bytes < maxBytes)
        {
            active.Clear();
            for (var i = 0; i < _lanes.Count; i++)
            {
                if (!_lanes[i].Exhausted)
                {
                    active.Add(i);
                }
            }

            if (active.Count == 0)
            {
                break;
            }

            var remaining = maxBytes - bytes;
            (long Keys, long Bytes) read;
            if (active.Count == 1 || remaining / active.Count < MinParallelShareBytes)
            {
                read = ReadLane(active[0], remaining, atLeastOne: keys == 0, visit, cancellationToken);
            }
            else
            {
                read = await ReadLanesAsync(active, remaining / active.Count, atLeastOne: keys == 0, visit, cancellationToken).ConfigureAwait(false);
            }

            keys += read.Keys;
            bytes += read.Bytes;

            // Only a lane that reached its sub-range's end leaves budget worth handing on; otherwise the step is done.
            if (!active.Exists(i => _lanes[i].Exhausted))
            {
                break;
            }
        }

        return (keys, bytes);
    }

    /// <summary>Frees the iterators and the snapshot; the node's database must still be open.</summary>
    public void Dispose()
    {
        foreach (var lane in _lanes)
        {
            lane.Dispose();
        }

        _snapshot.Dispose();
    }

    /// <summary>Reads the <paramref name="active"/> lanes in parallel, up to <paramref name="share"/> bytes each.</summary>
    private async ValueTask<(long Keys, long Bytes)> ReadLanesAsync(List<int> active, long share, bool atLeastOne, Action<int, ReadOnlySpan<byte>, ReadOnlySpan<byte>> visit, CancellationToken cancellationToken)
    {
        var results = await LaneWork.RunAsync(active.Count, i => ReadLane(active[i], share, atLeastOne, visit, cancellationToken)).ConfigureAwait(false);
        long keys = 0;
        long bytes = 0;
        foreach (var (laneKeys, laneBytes) in results)
        {
            keys += laneKeys;
            bytes += laneBytes;
        }

        return (keys, bytes);
    }

    /// <summary>Reads one lane up to <paramref name="maxBytes"/> (past it only for its first entry, when <paramref name="atLeastOne"/>).</summary>
    private (long Keys, long Bytes) ReadLane(int index, long maxBytes, bool atLeastOne, Action<int, ReadOnlySpan<byte>, ReadOnlySpan<byte>> visit, CancellationToken cancellationToken)
    {
        var lane = _lanes[index];
        var iterator = lane.Iterator;
        long keys = 0;
        long bytes = 0;

        // The per-entry calls go straight to the native library where they can (a third less time per entry, see
        // DirectEntryCalls); the binding's are the fallback.
        var direct = DirectEntryCalls.Current;
        while (direct?.Valid(iterator) ?? iterator.Valid())
        {
            var key = direct is null ? iterator.GetKeySpan() : direct.Key(iterator);
            var value = direct is null ? iterator.GetValueSpan() : direct.Value(iterator);
            var size = key.Length + value.Length;

            // Never past the limit, except that a step always reads at least one entry so it progresses.
            if ((keys > 0 || !atLeastOne) && bytes + size > maxBytes)
            {
                return (keys, bytes);
            }

            visit(index, key, value);
            keys++;
            bytes += size;
            if (keys % CancellationCheckInterval == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }

            if (direct is null)
            {
                iterator.Next();
            }
            else
            {
                direct.Next(iterator);
            }
        }

        // An iterator also stops on an I/O or corruption error; that must not pass for the end of the range.
        RocksDbNode.ThrowIfFailed(iterator);
        lane.Exhausted = true;
        return (keys, bytes);
    }

    /// <summary>Split keys between the range's first and last key in the snapshot (two seeks; no scan).</summary>
    private IReadOnlyList<ShardKey> FindSplits(RocksDbNode node, ShardKey start, ShardKey? end, int lanes) =>
        node.FindSplitKeys(BulkReadOptions(start, end), start, lanes);

    private ReadOptions BulkReadOptions(ShardKey start, ShardKey? end)
    {
        var readOptions = new ReadOptions()
            .SetIterateLowerBound(start.Span.ToArray())
            .SetSnapshot(_snapshot)
            .SetFillCache(false)
            .SetReadaheadSize(BulkReadaheadBytes);
        if (end is { } upper)
        {
            readOptions.SetIterateUpperBound(upper.Span.ToArray());
        }

        return readOptions;
    }
}
