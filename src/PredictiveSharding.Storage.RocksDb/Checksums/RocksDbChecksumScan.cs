using PredictiveSharding.Keys;
using PredictiveSharding.Moving;
using RocksDbSharp;

namespace PredictiveSharding.Storage.RocksDb.Checksums;

/// <summary>
/// The RocksDB cluster's stepwise checksum: one iterator over one snapshot (taken with the node's next sequence, as
/// <see cref="RocksDbNode.Checksum"/> does; no block-cache fill, 2 MiB readahead) feeds one <see cref="RangeHasher"/>
/// across steps, so the result equals a one-call checksum of the same snapshot while the caller paces the read.
/// </summary>
internal sealed class RocksDbChecksumScan : RangeChecksumScan, ISnapshotReader
{
    private const int CancellationCheckInterval = 1024;

    private readonly RocksDbNode _node;
    private readonly SnapshotCursor _cursor;
    private readonly Iterator _iterator;
    private readonly RangeHasher _hasher = new();
    private RangeChecksum? _result;
    private int _released;

    public RocksDbChecksumScan(RocksDbNode node, KeyRange range)
    {
        _node = node;
        _cursor = new SnapshotCursor(node, range.Start, range.End);
        _iterator = _cursor.Iterator;
        if (range.End is { } bound && range.Start >= bound)
        {
            _result = _hasher.ToChecksum(_cursor.Sequence);
        }
        else
        {
            _iterator.Seek(range.Start.Span);
        }

        node.RegisterCopy(this);
    }

    public override ValueTask<RangeChecksumStep> StepAsync(int maxBytes, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxBytes);
        cancellationToken.ThrowIfCancellationRequested();
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _released) != 0, this);
        if (_result is { } done)
        {
            return ValueTask.FromResult(new RangeChecksumStep(0, 0, done));
        }

        _node.Enter();
        try
        {
            long keys = 0;
            long bytes = 0;
            while (_iterator.Valid())
            {
                var key = _iterator.GetKeySpan();
                var value = _iterator.GetValueSpan();
                var size = key.Length + value.Length;

                // Never past the limit, except that a step always hashes at least one entry so the scan progresses.
                if (keys > 0 && bytes + size > maxBytes)
                {
                    return ValueTask.FromResult(new RangeChecksumStep(keys, bytes, null));
                }

                _hasher.Append(key, value);
                keys++;
                bytes += size;
                if (keys % CancellationCheckInterval == 0)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                }

                _iterator.Next();
            }

            // An iterator also stops on an I/O or corruption error; that must not pass for the end of the range.
            RocksDbNode.ThrowIfFailed(_iterator);
            _result = _hasher.ToChecksum(_cursor.Sequence);
            return ValueTask.FromResult(new RangeChecksumStep(keys, bytes, _result));
        }
        finally
        {
            _node.Exit();
        }
    }

    /// <summary>Frees the iterator and snapshot (on the node's database, which must still be open).</summary>
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
}
