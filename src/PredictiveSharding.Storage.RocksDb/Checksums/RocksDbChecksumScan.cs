using PredictiveSharding.Keys;
using PredictiveSharding.Moving;
using RocksDbSharp;

namespace PredictiveSharding.Storage.RocksDb.Checksums;

/// <summary>
/// The RocksDB cluster's stepwise checksum: one snapshot (taken with the node's next sequence, as
/// <see cref="RocksDbNode.Checksum"/> does; no block-cache fill, 2 MiB readahead), read by one iterator per lane (sub-ranges
/// read in parallel, <see cref="RocksDbClusterOptions.ScanParallelism"/>), each feeding its own <see cref="RangeHasher"/>
/// across steps; the lanes' hashes joined in key order equal a one-call checksum of the same snapshot, while the caller
/// paces the read.
/// </summary>
internal sealed class RocksDbChecksumScan : RangeChecksumScan, ISnapshotReader
{
    private readonly RocksDbNode _node;
    private readonly SnapshotCursor _cursor;
    private readonly RangeHasher[] _hashers;
    private RangeChecksum? _result;
    private int _released;

    public RocksDbChecksumScan(RocksDbNode node, KeyRange range)
    {
        _node = node;
        _cursor = new SnapshotCursor(node, range.Start, range.End, node.ScanLanes);
        _hashers = new RangeHasher[_cursor.Lanes.Count];
        for (var i = 0; i < _hashers.Length; i++)
        {
            _hashers[i] = new RangeHasher();
        }

        if (_cursor.Exhausted)
        {
            _result = Join();
        }

        node.RegisterCopy(this);
    }

    public override async ValueTask<RangeChecksumStep> StepAsync(int maxBytes, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxBytes);
        cancellationToken.ThrowIfCancellationRequested();
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _released) != 0, this);
        if (_result is { } done)
        {
            return new RangeChecksumStep(0, 0, done);
        }

        _node.Enter();
        try
        {
            var (keys, bytes) = await _cursor.StepAsync(maxBytes, Hash, cancellationToken).ConfigureAwait(false);
            if (_cursor.Exhausted)
            {
                _result = Join();
            }

            return new RangeChecksumStep(keys, bytes, _result);
        }
        finally
        {
            _node.Exit();
        }
    }

    /// <summary>Frees the iterators and snapshot (on the node's database, which must still be open).</summary>
    public void Release()
    {
        if (Interlocked.Exchange(ref _released, 1) != 0)
        {
            return;
        }

        _cursor.Dispose();
        _node.UnregisterCopy(this);
    }

    protected override async ValueTask DisposeAsyncCore()
    {
        _node.ReleaseWhileOpen(this);
        await base.DisposeAsyncCore().ConfigureAwait(false);
    }

    private void Hash(int lane, ReadOnlySpan<byte> key, ReadOnlySpan<byte> value) => _hashers[lane].Append(key, value);

    /// <summary>The lanes' sub-ranges in key order make up the range: joined, their hashes are the whole range's.</summary>
    private RangeChecksum Join() => RangeHasher.Join(_hashers, _cursor.Sequence);
}
