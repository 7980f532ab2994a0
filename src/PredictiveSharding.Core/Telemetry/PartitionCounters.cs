using System.Numerics;
using PredictiveSharding.Topology;

namespace PredictiveSharding.Telemetry;

/// <summary>
/// Lock-free per-partition counters: a small ring of time-bucket cells, each striped by processor so that
/// threads on different cores touch different cache lines. Every increment is an interlocked add and every
/// drain an interlocked exchange, so each request is counted exactly once however recording and harvesting
/// interleave; a request that races with a bucket boundary may land in the neighbouring bucket.
/// </summary>
internal sealed class PartitionCounters
{
    public const int Reads = 0;
    public const int Writes = 1;
    public const int BytesRead = 2;
    public const int BytesWritten = 3;
    public const int FirstRegion = 4;
    private const int RingSize = 4;
    private const int CacheLineLongs = 8;

    private readonly long[] _epochs = new long[RingSize];
    private readonly long[] _cells;
    private readonly int _stripes;
    private readonly int _rowLength;
    private readonly int _rowStride;
    private readonly int _firstClientWord;
    private readonly int _clientBitsMask;
    private readonly Lock _claimLock = new();
    private readonly List<(long Epoch, long[] Row)> _evicted = [];
    private readonly long _maxBucketsApart;

    // maxBucketsApart is LoadRecorderOptions.MaxBucketsPerHarvest: a harvest counts every bucket more than this many before
    // its end in its first bucket, so rows set aside for such buckets are summed into one.
    public PartitionCounters(PartitionId partition, int stripes, int regions, int clientSketchBits, int sampleSize, int maxSampledKeyBytes, ulong randomSeed, int maxBucketsApart = int.MaxValue)
    {
        Partition = partition;
        _maxBucketsApart = maxBucketsApart;
        _stripes = stripes;
        _firstClientWord = FirstRegion + regions;
        var fields = _firstClientWord + (clientSketchBits / 64);
        _rowLength = (fields + CacheLineLongs - 1) / CacheLineLongs * CacheLineLongs;
        _clientBitsMask = clientSketchBits - 1;
        // One spare cache line between rows: the array's data is not 64-byte aligned, so without it the end of one
        // processor's row could share a line with the start of the next and the cores would fight over it.
        _rowStride = _rowLength + CacheLineLongs;

        // And one spare line before the first row: the epochs array, read on every request, is allocated just before
        // this one and would otherwise share a line with the first processor's counters.
        _cells = new long[CacheLineLongs + (RingSize * stripes * _rowStride)];
        Array.Fill(_epochs, -1);
        Reservoir = new KeyReservoir(sampleSize, maxSampledKeyBytes, seed: StableHash(partition.Value) ^ randomSeed);
        ClientSketchBits = clientSketchBits;
    }

    /// <summary>
    /// FNV-1a (64-bit) over the name's UTF-16 code units: the same in every process, unlike <see cref="string.GetHashCode()"/>,
    /// which .NET randomises per process and made the reservoirs' samples differ from run to run for the same seed. Written
    /// out rather than taken from System.IO.Hashing so that Core, the contracts package, keeps no dependency; it only
    /// derives a seed, once per partition.
    /// </summary>
    internal static ulong StableHash(string text)
    {
        var hash = 0xCBF29CE484222325UL;
        foreach (var c in text)
        {
            hash = (hash ^ c) * 0x100000001B3UL;
        }

        return hash;
    }

    public PartitionId Partition { get; }

    public KeyReservoir Reservoir { get; }

    public int RowLength => _rowLength;

    public int ClientSketchBits { get; }

    /// <summary>Harvests that found nothing since the partition left the routing map.</summary>
    public int EmptyHarvestsSinceRetired { get; set; }

    /// <summary>When (Stopwatch timestamp) the partition left the routing map.</summary>
    public long RetiredAt { get; set; }

    /// <summary>Counts one request; returns this stripe's running count of requests of that kind in the cell (used to pick samples).</summary>
    public long Add(long bucket, int stripe, RequestKind kind, int bytes, ulong clientHash, int region)
    {
        var cell = (int)(bucket & (RingSize - 1));
        if (Volatile.Read(ref _epochs[cell]) < bucket)
        {
            Claim(cell, bucket);
        }

        var row = CacheLineLongs + (((cell * _stripes) + stripe) * _rowStride);
        var cells = _cells;
        long count;
        if (kind == RequestKind.Read)
        {
            count = Interlocked.Increment(ref cells[row + Reads]);
            if (bytes != 0)
            {
                Interlocked.Add(ref cells[row + BytesRead], bytes);
            }
        }
        else
        {
            count = Interlocked.Increment(ref cells[row + Writes]);
            if (bytes != 0)
            {
                Interlocked.Add(ref cells[row + BytesWritten], bytes);
            }
        }

        if (region != 0)
        {
            Interlocked.Increment(ref cells[row + FirstRegion + region - 1]);
        }

        if (clientHash != 0)
        {
            var bit = (int)(clientHash >> 32) & _clientBitsMask;
            Interlocked.Or(ref cells[row + _firstClientWord + (bit >> 6)], 1L << (bit & 63));
        }

        return count;
    }

    /// <summary>
    /// Moves the cell on to a newer bucket. What the cell still holds of its old bucket (not yet harvested) is
    /// kept aside under that bucket, so a slow harvester loses nothing.
    /// </summary>
    private void Claim(int cell, long bucket)
    {
        lock (_claimLock)
        {
            var epoch = _epochs[cell];
            if (epoch >= bucket)
            {
                return;
            }

            if (epoch >= 0)
            {
                var row = new long[_rowLength];
                if (DrainCell(cell, row))
                {
                    _evicted.Add((epoch, row));

                    // Without a harvest the rows set aside grew by one per bucket with requests, without limit (1 ms
                    // buckets and an hour: 3.6 million per partition). Every harvest from now on ends at or after this
                    // bucket, and counts whatever is more than maxBucketsApart before its end in its first bucket: such
                    // rows can be summed into one. Only once they are twice that many, so the summing costs O(1) a bucket.
                    if (_evicted.Count > 2 * (_maxBucketsApart + RingSize))
                    {
                        Fold(bucket - _maxBucketsApart);
                    }
                }
            }

            Volatile.Write(ref _epochs[cell], bucket);
        }
    }

    /// <summary>Sums the rows set aside for buckets before <paramref name="before"/> into one, under the latest of them.</summary>
    private void Fold(long before)
    {
        var into = -1;
        var kept = 0;
        for (var i = 0; i < _evicted.Count; i++)
        {
            var (epoch, row) = _evicted[i];
            if (epoch >= before)
            {
                _evicted[kept++] = (epoch, row);
                continue;
            }

            if (into < 0)
            {
                into = kept;
                _evicted[kept++] = (epoch, row);
                continue;
            }

            var (intoEpoch, intoRow) = _evicted[into];
            MergeRow(intoRow, row);
            _evicted[into] = (Math.Max(intoEpoch, epoch), intoRow);
        }

        _evicted.RemoveRange(kept, _evicted.Count - kept);
    }

    /// <summary>
    /// Drains every cell whose bucket is before <paramref name="before"/> (and what was evicted earlier from such
    /// buckets), calling <paramref name="sink"/> with the bucket and the summed row. Runs under the claim lock so the
    /// epoch read and the drain agree.
    /// </summary>
    public void Drain(long before, Action<long, long[]> sink)
    {
        lock (_claimLock)
        {
            // A bucket at or after the harvest's end stays for a later harvest, evicted or not: handed to this one it had
            // no bucket to go to (the request path counts by its timer's bucket, which a harvest may not have reached).
            var kept = 0;
            for (var i = 0; i < _evicted.Count; i++)
            {
                var (epoch, row) = _evicted[i];
                if (epoch < before)
                {
                    sink(epoch, row);
                }
                else
                {
                    _evicted[kept++] = (epoch, row);
                }
            }

            _evicted.RemoveRange(kept, _evicted.Count - kept);
            for (var cell = 0; cell < RingSize; cell++)
            {
                var epoch = _epochs[cell];
                if (epoch < 0 || epoch >= before)
                {
                    continue;
                }

                var row = new long[_rowLength];
                if (DrainCell(cell, row))
                {
                    sink(epoch, row);
                }
            }
        }
    }

    /// <summary>
    /// Adds <paramref name="row"/> into <paramref name="into"/> as two buckets' rows combine: counts are summed, the
    /// distinct-client sketch words are OR-ed.
    /// </summary>
    public void MergeRow(long[] into, long[] row)
    {
        for (var field = 0; field < _rowLength; field++)
        {
            into[field] = field >= _firstClientWord ? into[field] | row[field] : into[field] + row[field];
        }
    }

    private bool DrainCell(int cell, long[] into)
    {
        var any = false;
        for (var stripe = 0; stripe < _stripes; stripe++)
        {
            var row = CacheLineLongs + (((cell * _stripes) + stripe) * _rowStride);
            for (var field = 0; field < _rowLength; field++)
            {
                if (Volatile.Read(ref _cells[row + field]) == 0)
                {
                    continue;
                }

                var value = Interlocked.Exchange(ref _cells[row + field], 0);
                if (field >= _firstClientWord)
                {
                    into[field] |= value;
                }
                else
                {
                    into[field] += value;
                }

                any = true;
            }
        }

        return any;
    }

    /// <summary>Linear-counting estimate of distinct clients from a sketch row.</summary>
    public double EstimateDistinctClients(long[] row)
    {
        var set = 0;
        for (var word = _firstClientWord; word < _firstClientWord + (ClientSketchBits / 64); word++)
        {
            set += BitOperations.PopCount((ulong)row[word]);
        }

        if (set == 0)
        {
            return 0;
        }

        var m = (double)ClientSketchBits;
        var zeros = Math.Max(1, ClientSketchBits - set);
        return m * Math.Log(m / zeros);
    }
}
