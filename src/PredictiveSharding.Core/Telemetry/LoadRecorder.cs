using System.Globalization;
using System.Numerics;
using PredictiveSharding.Routing;
using PredictiveSharding.Topology;

namespace PredictiveSharding.Telemetry;

/// <summary>
/// Records every request a host serves into per-partition, per-time-bucket load counters and a load-weighted key
/// sample per partition; <see cref="Harvest"/> returns closed buckets as load series.
/// </summary>
/// <remarks>
/// <para>
/// <see cref="Record"/> is on the host's request path: it allocates nothing, takes no global lock and scales with
/// threads (counters are striped by processor). It reads the time from the <see cref="TimeProvider"/> and routes the
/// key through the routing table's current version.
/// </para>
/// <para>
/// Every request is counted exactly once across concurrent recording and harvesting. A request whose bucket was
/// already harvested (its thread was descheduled across the boundary) is counted in the next harvest's first bucket.
/// The request path learns the current bucket from a timer on the <see cref="TimeProvider"/> rather than reading the
/// clock per call, so a request within a timer's latency of a boundary may count in the bucket before.
/// </para>
/// <para>
/// Buckets are timed on the provider's timestamp (<see cref="TimeProvider.GetTimestamp"/>, monotonic), so each is exactly
/// <see cref="BucketLength"/> long, and labelled (<see cref="LoadBucket.Start"/>) with UTC times that are whole multiples
/// of the bucket length, so series of several recorders line up. Each harvest re-anchors the labels to the wall clock
/// (<see cref="TimeProvider.GetUtcNow"/>): when it has moved ahead of the timestamp by half a bucket or more (an NTP step
/// forward, a suspend that stopped the timestamp, drift), the labels move ahead by the nearest whole number of buckets,
/// and the buckets moved over are harvested as zeros (nothing was recorded under those labels), so a harvest still
/// starts where the previous one ended. The whole harvest is labelled by the new anchor, so buckets that closed before
/// the step within the same harvest move with it. Labels never go back: after the wall clock steps back they stay ahead
/// of it by the step, since following it would label a bucket as one already harvested or cut a bucket short. A
/// timestamp that goes backwards (against the <see cref="TimeProvider"/> contract) reads as no time passing.
/// </para>
/// </remarks>
public sealed class LoadRecorder : IDisposable
{
    private readonly IRoutingTable _routing;
    private readonly TimeProvider _time;
    private readonly LoadRecorderOptions _options;
    private readonly Lock _gate = new();
    private readonly Dictionary<PartitionId, PartitionCounters> _live = [];
    private readonly List<PartitionCounters> _retired = [];
    private readonly string[] _regionNames;
    private readonly int _stripeMask;
    private readonly long _originTimestamp;

    /// <summary>
    /// The bucket length as a fraction of timestamp ticks: <see cref="TimeSpan.Ticks"/> × the timestamp frequency over
    /// <see cref="TimeSpan.TicksPerSecond"/>, kept exact. Rounded down to whole timestamp ticks, a bucket that is no whole
    /// number of them (1.5 ms at 1,000 ticks a second; 100 ms at a 3,579,545 Hz performance counter) was shorter than its
    /// label says, so it held less load and the labels ran ahead of the wall clock, for good.
    /// </summary>
    private readonly Int128 _bucketNumerator;
    private readonly uint _sampleMask;
    private readonly ulong _seed;
    private static readonly TimeSpan RetirementGrace = TimeSpan.FromMinutes(1);
    private static int s_lastRecorderId;
    private readonly int _id = Interlocked.Increment(ref s_lastRecorderId);
    private readonly ITimer _bucketTimer;
    private volatile RecorderState _state;
    private long _currentBucket;
    private long _latestTimestamp;
    private int _regionCount;
    private long _nextBucketToHarvest;

    /// <summary>The label of bucket 0, in bucket lengths since 0001-01-01 UTC: bucket b is labelled b + this. Never lowered.</summary>
    private long _labelOffset;

    /// <summary>The label the next harvest starts at: where the previous one ended.</summary>
    private long _nextLabel;

    /// <summary>Creates a recorder over a routing table.</summary>
    /// <param name="routing">The routing table whose current version maps keys to partitions.</param>
    /// <param name="options">Settings; copied and validated here, so changing them afterwards does not affect this recorder.</param>
    /// <param name="timeProvider">The host's clock; <see cref="TimeProvider.System"/> when null.</param>
    /// <param name="seed">
    /// Seed of the key reservoirs' random numbers: the same requests in the same order give the same samples in every
    /// process. With <see cref="LoadRecorderOptions.SampleOneIn"/> above 1, which requests are offered to a reservoir also
    /// depends on the processor each one ran on (its counters' stripe), so only <c>SampleOneIn = 1</c> repeats exactly.
    /// </param>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public LoadRecorder(IRoutingTable routing, LoadRecorderOptions? options = null, TimeProvider? timeProvider = null, ulong seed = 0x5EED)
    {
        ArgumentNullException.ThrowIfNull(routing);

        // A copy: the settings are read again long after construction (bucket starts, counters of new partitions), so a
        // caller changing its options object afterwards must not change them behind the validation.
        var given = options ?? new LoadRecorderOptions();
        _options = new LoadRecorderOptions
        {
            BucketLength = given.BucketLength,
            KeySampleSize = given.KeySampleSize,
            SampleOneIn = given.SampleOneIn,
            MaxSampledKeyBytes = given.MaxSampledKeyBytes,
            MaxRegions = given.MaxRegions,
            ClientSketchBits = given.ClientSketchBits,
            MaxBucketsPerHarvest = given.MaxBucketsPerHarvest,
        };
        _options.Validate();
        _routing = routing;
        _time = timeProvider ?? TimeProvider.System;
        _seed = seed;
        _regionNames = new string[_options.MaxRegions];
        var stripes = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(1, Environment.ProcessorCount));
        _stripeMask = stripes - 1;
        _sampleMask = (uint)_options.SampleOneIn - 1;

        // Buckets are aligned to whole multiples of the bucket length in UTC, so series from several recorders line up.
        var now = _time.GetUtcNow();
        var bucketTicks = _options.BucketLength.Ticks;
        _labelOffset = now.UtcTicks / bucketTicks;
        _nextLabel = _labelOffset;
        var intoBucket = TimeSpan.FromTicks(now.UtcTicks % bucketTicks);
        _bucketNumerator = (Int128)bucketTicks * _time.TimestampFrequency;
        if (_bucketNumerator < TimeSpan.TicksPerSecond)
        {
            throw new ArgumentOutOfRangeException(nameof(options), _options.BucketLength, "The bucket length is shorter than one tick of the time provider.");
        }

        _latestTimestamp = _time.GetTimestamp();
        _originTimestamp = _latestTimestamp - (long)(intoBucket.TotalSeconds * _time.TimestampFrequency);
        _state = BuildState(routing.Current, stripes);

        // The request path reads the current bucket from a field that a timer moves on at each bucket boundary:
        // reading the clock on every request would cost more than everything else Record does.
        _currentBucket = ClockBucket();
        _bucketTimer = _time.CreateTimer(static state => ((LoadRecorder)state!).OnBucketBoundary(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _bucketTimer.Change(UntilNextBoundary(), Timeout.InfiniteTimeSpan);
    }

    /// <summary>The bucket length.</summary>
    public TimeSpan BucketLength => _options.BucketLength;

    /// <summary>
    /// The clock the recorder times its buckets by (the one it was given, or <see cref="System.TimeProvider.System"/>).
    /// A control loop built without a clock of its own plans on this one, so a host replaying recorded time need not
    /// pass the same clock twice.
    /// </summary>
    public TimeProvider TimeProvider => _time;

    /// <summary>Registers a client region by name and returns its id; registering a name twice returns the same id.</summary>
    /// <exception cref="InvalidOperationException">More regions than <see cref="LoadRecorderOptions.MaxRegions"/>.</exception>
    public RegionId RegisterRegion(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        lock (_gate)
        {
            var existing = Array.IndexOf(_regionNames, name, 0, _regionCount);
            if (existing >= 0)
            {
                return new RegionId(_id, existing + 1);
            }

            if (_regionCount == _regionNames.Length)
            {
                throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture, $"Cannot register region '{name}': all {_regionNames.Length} region slots (LoadRecorderOptions.MaxRegions) are taken."));
            }

            _regionNames[_regionCount] = name;
            return new RegionId(_id, Interlocked.Increment(ref _regionCount));
        }
    }

    /// <summary>
    /// Records one request. Allocation-free and lock-free (one request in <see cref="LoadRecorderOptions.SampleOneIn"/>
    /// takes the partition's sampler lock), but for the first request after a routing change, which rebuilds the
    /// recorder's partition index (allocating it) when no harvest holds the recorder, and otherwise counts under the
    /// previous version without waiting.
    /// </summary>
    /// <param name="key">The request's key.</param>
    /// <param name="kind">Read or write.</param>
    /// <param name="bytes">Bytes read or written; not negative.</param>
    /// <param name="clientId">A stable id of the client (any hash of it); 0 when unknown.</param>
    /// <param name="region">The client's region, from <see cref="RegisterRegion"/>; <see cref="RegionId.Unknown"/> when unknown.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="bytes"/> is negative, <paramref name="kind"/> is not a defined kind, or <paramref name="region"/> was not registered here.</exception>
    public void Record(ReadOnlySpan<byte> key, RequestKind kind, int bytes, ulong clientId = 0, RegionId region = default)
    {
        if (bytes < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(bytes), bytes, "Request bytes must not be negative.");
        }

        if ((uint)kind > (uint)RequestKind.Write)
        {
            // Anything but a read was counted as a write.
            throw new ArgumentOutOfRangeException(nameof(kind), kind, "A request is a read or a write.");
        }

        // A region's index is a slot of the recorder that registered it: another recorder's, checked only against this
        // one's count, was counted under whichever region holds that slot here.
        if (region.Index != 0 && region.Recorder != _id)
        {
            throw new ArgumentOutOfRangeException(nameof(region), region.Index, "The region was not registered with this recorder (it comes from another LoadRecorder).");
        }

        var bucket = Volatile.Read(ref _currentBucket);
        var map = _routing.Current;
        var state = _state;
        if (!ReferenceEquals(state.Map, map))
        {
            if (_gate.TryEnter())
            {
                try
                {
                    state = RebuildLocked(map);
                }
                finally
                {
                    _gate.Exit();
                }
            }
            else
            {
                // A harvest (or another thread's rebuild) holds the gate, for up to a few hundred milliseconds over ten
                // thousand partitions: waiting would stall every request thread behind it. Counted under the previous
                // routing version instead, as a request that read the map just before the publish is; a later request
                // rebuilds.
                map = state.Map;
            }
        }

        var counters = state.Counters[map.IndexOf(key)];
        var clientHash = clientId == 0 ? 0 : Mix(clientId) | 1;
        var stripe = Thread.GetCurrentProcessorId() & _stripeMask;
        var count = counters.Add(bucket, stripe, kind, bytes, clientHash, region.Index);

        // One request in SampleOneIn goes to the partition's reservoir, which then keeps a uniform sample of those. The
        // choice hashes the running count the increment returned (with the bucket and stripe, so the positions chosen
        // differ from one bucket to the next): taking every SampleOneIn-th request instead would sample one key only
        // from a stream that cycles through keys with a period dividing SampleOneIn (a scan, a batch job, a client
        // reading the same rows in turn).
        var position = (ulong)count + ((((ulong)bucket * 31) + (ulong)stripe) * 0x9E3779B97F4A7C15UL) + _seed;
        if ((Mix(position) & _sampleMask) == 0)
        {
            counters.Reservoir.Offer(key);
        }
    }

    /// <summary>
    /// Returns the buckets that closed since the previous harvest (all of them, zeros included, for every partition
    /// of the current routing map and for any partition that received requests; the latest
    /// <see cref="LoadRecorderOptions.MaxBucketsPerHarvest"/> when more closed), and the key samples gathered since.
    /// </summary>
    /// <param name="includeOpenBucket">Also harvest the bucket still open now (at shutdown, or to read a partial bucket); requests that arrive in it afterwards count in the next harvest.</param>
    public LoadHarvest Harvest(bool includeOpenBucket = false)
    {
        lock (_gate)
        {
            var map = _routing.Current;
            var state = _state;
            if (!ReferenceEquals(state.Map, map))
            {
                state = RebuildLocked(map);
            }

            var timestamp = Timestamp();
            var current = BucketAt(timestamp);
            var from = _nextBucketToHarvest;
            var to = includeOpenBucket ? current + 1 : current;
            if (to <= from)
            {
                // Nothing closed yet: keep what was counted for the next harvest.
                return new LoadHarvest([], new Dictionary<PartitionId, IReadOnlyList<KeySample>>(), map);
            }

            Reanchor(timestamp);
            // Bounded: after a long pause (or a large step of the wall clock) the buckets since the last harvest, empty ones
            // included, were all materialised, without limit (3.6 million per partition for an hour of 1 ms buckets).
            var end = to + _labelOffset;
            var labels = new LabelRange(from, Math.Max(_nextLabel, end - _options.MaxBucketsPerHarvest), end, _labelOffset);
            var series = new List<PartitionLoadSeries>(_live.Count);
            var samples = new Dictionary<PartitionId, IReadOnlyList<KeySample>>();
            foreach (var route in map.Routes)
            {
                HarvestOne(state.Counters[map.IndexOf(route.Partition)], to, labels, alwaysEmit: true, series, samples);
            }

            for (var i = _retired.Count - 1; i >= 0; i--)
            {
                var retired = _retired[i];
                if (HarvestOne(retired, to, labels, alwaysEmit: false, series, samples))
                {
                    retired.EmptyHarvestsSinceRetired = 0;
                }
                else if (++retired.EmptyHarvestsSinceRetired >= 3 && System.Diagnostics.Stopwatch.GetElapsedTime(retired.RetiredAt) >= RetirementGrace)
                {
                    // A recorder thread that read the old routing version may still be about to count into these
                    // counters. Dropping them is safe only once no thread can still be between reading the map and
                    // counting: that is a matter of real scheduling delay, not of the host's (possibly simulated) clock,
                    // hence the Stopwatch, and a grace far beyond any scheduling stall.
                    _retired.RemoveAt(i);
                }
            }

            // The labels between where the last harvest ended and where this one's first measured bucket now falls were
            // moved over by the re-anchor (none when the labels did not move).
            var movedOver = (int)Math.Clamp(from + labels.Offset - labels.Start, 0, labels.End - labels.Start);
            _nextBucketToHarvest = to;
            _nextLabel = labels.End;
            return new LoadHarvest(series, samples, map, movedOver);
        }
    }

    /// <summary>
    /// Moves the labels ahead by the whole buckets the wall clock now is ahead of them (to the nearest: under half a
    /// bucket is left alone, so the labels do not flicker with where in a bucket the harvest runs); never back.
    /// </summary>
    private void Reanchor(long timestamp)
    {
        var bucketTicks = _options.BucketLength.Ticks;
        var elapsedTicks = (timestamp - _originTimestamp) * ((double)TimeSpan.TicksPerSecond / _time.TimestampFrequency);
        var wallSinceLabelZero = _time.GetUtcNow().UtcTicks - (_labelOffset * bucketTicks);
        var ahead = Math.Round((wallSinceLabelZero - elapsedTicks) / bucketTicks, MidpointRounding.AwayFromZero);

        // Bounded by the last representable start: a wall clock reading near 9999-12-31 must not make a label past it.
        var room = (DateTime.MaxValue.Ticks / bucketTicks) - 1 - (_labelOffset + BucketAt(timestamp) + 1);
        if (ahead >= 1 && room > 0)
        {
            _labelOffset += (long)Math.Min(ahead, room);
        }
    }

    private bool HarvestOne(PartitionCounters counters, long to, LabelRange labels, bool alwaysEmit, List<PartitionLoadSeries> series, Dictionary<PartitionId, IReadOnlyList<KeySample>> samples)
    {
        var rows = new long[labels.End - labels.Start][];
        var any = false;
        counters.Drain(to, (epoch, row) =>
        {
            // A bucket harvested earlier that received late requests counts them in this harvest's first bucket, and so does
            // one left out by MaxBucketsPerHarvest.
            var index = epoch < labels.From ? 0 : Math.Max(0, epoch + labels.Offset - labels.Start);
            counters.MergeRow(rows[index] ??= new long[row.Length], row);

            any = true;
        });

        if (!any && !alwaysEmit)
        {
            return false;
        }

        var buckets = new LoadBucket[rows.Length];
        double requests = 0;
        for (var i = 0; i < rows.Length; i++)
        {
            var start = new DateTimeOffset((labels.Start + i) * _options.BucketLength.Ticks, TimeSpan.Zero);
            buckets[i] = rows[i] is { } row ? ToBucket(counters, start, row) : new LoadBucket(start, 0, 0);
            requests += buckets[i].Requests;
        }

        series.Add(new PartitionLoadSeries(counters.Partition, _options.BucketLength, buckets));
        var sample = counters.Reservoir.Drain(requests);
        if (sample.Count > 0)
        {
            samples[counters.Partition] = sample;
        }

        return any;
    }

    private LoadBucket ToBucket(PartitionCounters counters, DateTimeOffset start, long[] row)
    {
        var regions = new Dictionary<string, double>();
        var regionCount = Volatile.Read(ref _regionCount);
        for (var r = 0; r < regionCount; r++)
        {
            var count = row[PartitionCounters.FirstRegion + r];
            if (count != 0)
            {
                regions[_regionNames[r]] = count;
            }
        }

        return new LoadBucket(
            start,
            row[PartitionCounters.Reads],
            row[PartitionCounters.Writes],
            row[PartitionCounters.BytesRead],
            row[PartitionCounters.BytesWritten],
            counters.EstimateDistinctClients(row))
        {
            RegionRequests = regions,
        };
    }

    /// <summary>Stops the bucket timer. Harvest what is left first (with <c>includeOpenBucket</c>) if it matters.</summary>
    public void Dispose() => _bucketTimer.Dispose();

    private long ClockBucket() => BucketAt(Timestamp());

    /// <summary>The bucket a timestamp falls in.</summary>
    private long BucketAt(long timestamp) => (long)((Int128)(timestamp - _originTimestamp) * TimeSpan.TicksPerSecond / _bucketNumerator);

    /// <summary>
    /// What a harvest covers: buckets from <paramref name="From"/> (earlier ones are late requests), labelled
    /// [<paramref name="Start"/>, <paramref name="End"/>), bucket b as b + <paramref name="Offset"/>.
    /// </summary>
    private readonly record struct LabelRange(long From, long Start, long End, long Offset);

    /// <summary>
    /// The time provider's timestamp, but never before one read earlier. A timestamp going backwards breaks the
    /// <see cref="TimeProvider"/> contract, yet buggy hosts and VM clocks do it: read as is, it put the clock's bucket behind
    /// the one the request path was counting in (a harvest then met counts of buckets after its last and threw), or before
    /// the origin. Held at the latest reading instead, it reads as no time passing until the clock catches up.
    /// </summary>
    private long Timestamp()
    {
        var now = _time.GetTimestamp();
        var latest = Volatile.Read(ref _latestTimestamp);
        while (now > latest)
        {
            var seen = Interlocked.CompareExchange(ref _latestTimestamp, now, latest);
            if (seen == latest)
            {
                return now;
            }

            latest = seen;
        }

        return latest;
    }

    private TimeSpan UntilNextBoundary()
    {
        // The first whole timestamp tick at or after the next bucket's start.
        var timestamp = Timestamp();
        var next = (((Int128)(BucketAt(timestamp) + 1) * _bucketNumerator) + TimeSpan.TicksPerSecond - 1) / TimeSpan.TicksPerSecond;
        return TimeSpan.FromSeconds((double)(next + _originTimestamp - timestamp) / _time.TimestampFrequency);
    }

    private void OnBucketBoundary()
    {
        var bucket = ClockBucket();
        if (bucket > Volatile.Read(ref _currentBucket))
        {
            Volatile.Write(ref _currentBucket, bucket);
        }

        _bucketTimer.Change(UntilNextBoundary(), Timeout.InfiniteTimeSpan);
    }

    private RecorderState RebuildLocked(RoutingMap map)
    {
        var state = _state;
        if (ReferenceEquals(state.Map, map))
        {
            return state;
        }

        state = BuildState(map, _stripeMask + 1);
        _state = state;
        return state;
    }

    private RecorderState BuildState(RoutingMap map, int stripes)
    {
        var counters = new PartitionCounters[map.Count];
        var stillLive = new HashSet<PartitionId>();
        for (var i = 0; i < map.Count; i++)
        {
            var id = map.Routes[i].Partition;
            stillLive.Add(id);
            if (!_live.TryGetValue(id, out var c))
            {
                var revived = _retired.FindIndex(r => r.Partition == id);
                if (revived >= 0)
                {
                    c = _retired[revived];
                    _retired.RemoveAt(revived);
                }
                else
                {
                    c = new PartitionCounters(id, stripes, _options.MaxRegions, _options.ClientSketchBits, _options.KeySampleSize, _options.MaxSampledKeyBytes, _seed, _options.MaxBucketsPerHarvest);
                }

                _live[id] = c;
            }

            counters[i] = c;
        }

        foreach (var (id, c) in _live.ToArray())
        {
            if (!stillLive.Contains(id))
            {
                _live.Remove(id);
                c.EmptyHarvestsSinceRetired = 0;
                c.RetiredAt = System.Diagnostics.Stopwatch.GetTimestamp();
                _retired.Add(c);
            }
        }

        return new RecorderState(map, counters);
    }

    private static ulong Mix(ulong value)
    {
        // SplitMix64 finaliser: spreads client ids over the sketch's bits.
        value ^= value >> 30;
        value *= 0xBF58476D1CE4E5B9UL;
        value ^= value >> 27;
        value *= 0x94D049BB133111EBUL;
        return value ^ (value >> 31);
    }

    private sealed record RecorderState(RoutingMap Map, PartitionCounters[] Counters);
}
