using PredictiveSharding.Forecasting;
using PredictiveSharding.Keys;
using PredictiveSharding.Routing;
using PredictiveSharding.Telemetry;
using PredictiveSharding.Topology;

namespace PredictiveSharding.Hosting.History;

/// <summary>
/// The load history the loop keeps per partition, bounded in length. A partition born of a split starts with its
/// parent's history scaled by its share of the parent's sampled load (an equal share among the parent's successors
/// when nothing was sampled), one born of a merge with the sum of its parts' histories, and one whose range a change
/// altered under a kept id is re-derived the same way, so the forecaster has context for each from the first cycle
/// and the total load across a change is neither lost nor counted twice.
/// </summary>
internal sealed class PartitionHistory
{
    private readonly int _maxBuckets;
    private readonly Dictionary<PartitionId, List<LoadBucket>> _buckets = [];
    private readonly Dictionary<PartitionId, KeyRange> _ranges = [];
    private readonly Dictionary<PartitionId, IReadOnlyList<KeySample>> _latestSamples = [];
    private readonly Dictionary<PartitionId, int> _inherited = [];
    private readonly List<RetiredPartition> _retired = [];

    /// <summary>
    /// Partitions that left the map, with their last range and key samples, until a harvest with buckets has come after
    /// they left: the recorder harvests what a partition served before a change in the first harvest that closes that
    /// bucket, which is a later one when a cycle ran before the bucket closed (an empty harvest, already on the new map).
    /// </summary>
    private readonly Dictionary<PartitionId, (KeyRange Range, IReadOnlyList<KeySample>? Samples)> _departed = [];
    private TimeSpan _step;

    public PartitionHistory(int maxBuckets) => _maxBuckets = maxBuckets;

    /// <summary>Buckets held for the partition with the longest history.</summary>
    public int Length => _buckets.Count == 0 ? 0 : _buckets.Values.Max(b => b.Count);

    /// <summary>The most recent key samples seen per partition.</summary>
    public IReadOnlyDictionary<PartitionId, IReadOnlyList<KeySample>> LatestSamples => _latestSamples;

    /// <summary>Appends a harvest, keeping history against the routing map it was taken on.</summary>
    public void Append(LoadHarvest harvest) => Append(harvest.Series, harvest.KeySamples, harvest.Routing);

    /// <summary>Appends a harvest given as its parts (what <see cref="LoadHarvest"/> holds; tests build them directly).</summary>
    internal void Append(IReadOnlyList<PartitionLoadSeries> harvestSeries, IReadOnlyDictionary<PartitionId, IReadOnlyList<KeySample>> keySamples, RoutingMap current)
    {
        // A route that is new, or whose range changed under an id the change kept (a split or merge may reuse one), takes
        // its history from the partitions that held its keys before: the children of a split a share each, a merge the
        // sum. All are derived from the old histories before any is replaced, so a kept id is not read after its own change.
        var derived = new List<(PartitionId Partition, List<LoadBucket> History)>();
        foreach (var route in current.Routes)
        {
            var unchanged = _buckets.ContainsKey(route.Partition) && _ranges.TryGetValue(route.Partition, out var before) && before == route.Range;
            if (!unchanged && Derive(route, current) is { } history)
            {
                derived.Add((route.Partition, history));
            }
        }

        foreach (var (partition, history) in derived)
        {
            _buckets[partition] = history;
            _inherited[partition] = history.Count;
        }

        foreach (var series in harvestSeries)
        {
            _step = series.Step;
            if (!_buckets.TryGetValue(series.Partition, out var list))
            {
                list = [];
                _buckets[series.Partition] = list;
            }

            PadToStartOf(list, series);
            list.AddRange(series.Buckets);
            if (list.Count > _maxBuckets)
            {
                var dropped = list.Count - _maxBuckets;
                list.RemoveRange(0, dropped);
                if (_inherited.TryGetValue(series.Partition, out var inherited))
                {
                    _inherited[series.Partition] = Math.Max(0, inherited - dropped);
                }
            }
        }

        // A partition that left the map was harvested for what it served before (a split or merge mid-bucket): that load
        // belongs to its successors, which otherwise show a dip in the bucket of the change that never happened.
        foreach (var series in harvestSeries)
        {
            if (current.Contains(series.Partition))
            {
                continue;
            }

            if (_ranges.TryGetValue(series.Partition, out var range))
            {
                HandOver(series, range, current, _latestSamples.GetValueOrDefault(series.Partition));
            }
            else if (_departed.TryGetValue(series.Partition, out var departed))
            {
                HandOver(series, departed.Range, current, departed.Samples);
            }
        }

        // Left before this harvest: their buckets came with it if they had any.
        if (harvestSeries.Count > 0)
        {
            _departed.Clear();
        }

        foreach (var (partition, samples) in keySamples)
        {
            _latestSamples[partition] = samples;
        }

        // Forget partitions that left the map once their children have copied what they need, keeping what they were for
        // the growth a host's own split would otherwise hide (TakeRetired).
        foreach (var gone in _buckets.Keys.Where(id => !current.Contains(id)).ToList())
        {
            if (_ranges.TryGetValue(gone, out var goneRange))
            {
                _retired.Add(new RetiredPartition(gone, goneRange, _buckets[gone], _inherited.GetValueOrDefault(gone)));
                _departed[gone] = (goneRange, _latestSamples.GetValueOrDefault(gone));
            }

            _buckets.Remove(gone);
            _latestSamples.Remove(gone);
            _ranges.Remove(gone);
            _inherited.Remove(gone);
        }

        foreach (var route in current.Routes)
        {
            _ranges[route.Partition] = route.Range;
            _departed.Remove(route.Partition);
        }
    }

    /// <summary>
    /// Adds a zero bucket for each bucket between the end of <paramref name="list"/> and the start of
    /// <paramref name="series"/>: a recorder's harvest starts later than the last one ended after more buckets closed
    /// than it returns at once (<see cref="LoadRecorderOptions.MaxBucketsPerHarvest"/>), and the buckets between had no
    /// load. Left as a gap, every later cycle failed to build the forecaster's series (not consecutive). At most as many
    /// as the history keeps: older ones would be trimmed at once, and the buckets before them with them.
    /// </summary>
    private void PadToStartOf(List<LoadBucket> list, PartitionLoadSeries series)
    {
        if (list.Count == 0 || series.Count == 0)
        {
            return;
        }

        var next = list[^1].Start + series.Step;
        var missing = (series.Start - next).Ticks / series.Step.Ticks;
        for (var i = Math.Max(0, missing - _maxBuckets); i < missing; i++)
        {
            list.Add(new LoadBucket(next + TimeSpan.FromTicks(series.Step.Ticks * i), 0, 0));
        }
    }

    /// <summary>The history of the routing map's partitions that have any, for the forecaster; null when none has.</summary>
    public LoadHistory? ToLoadHistory(RoutingMap current)
    {
        var series = new List<PartitionLoadSeries>();
        foreach (var route in current.Routes)
        {
            if (_buckets.TryGetValue(route.Partition, out var list) && list.Count > 0)
            {
                series.Add(new PartitionLoadSeries(route.Partition, _step, list.ToArray()));
            }
        }

        return series.Count == 0 ? null : new LoadHistory(series);
    }

    /// <summary>
    /// How many of the partition's oldest buckets were copied from its parent at a split (scaled by its share) rather than
    /// measured for it: they say how the parent grew, not the partition. 0 for a partition with only its own.
    /// </summary>
    public int InheritedBuckets(PartitionId partition) => _inherited.GetValueOrDefault(partition);

    /// <summary>
    /// The partitions that left the map since the last call, with their histories as they left (the last harvest
    /// included); the list is emptied. A partition that surged and was split by the host before the loop looked again
    /// took its surge with it: its children's copies of that history are inherited, not their own, so this is the one
    /// place the surge can still be learnt from.
    /// </summary>
    public IReadOnlyList<RetiredPartition> TakeRetired()
    {
        if (_retired.Count == 0)
        {
            return [];
        }

        var retired = _retired.ToArray();
        _retired.Clear();
        return retired;
    }

    /// <summary>The last bucket of a partition, or null.</summary>
    public LoadBucket? Last(PartitionId partition) =>
        _buckets.TryGetValue(partition, out var list) && list.Count > 0 ? list[^1] : null;

    /// <summary>
    /// The history of a route from the partitions whose old ranges overlap it, each scaled by its share of their load
    /// (<see cref="ShareOf"/>) and summed bucket by bucket; null when no known partition held any of its keys.
    /// </summary>
    private List<LoadBucket>? Derive(PartitionRoute route, RoutingMap current)
    {
        SortedDictionary<DateTimeOffset, LoadBucket>? sum = null;
        foreach (var (old, range) in _ranges)
        {
            if (!range.Overlaps(route.Range) || !_buckets.TryGetValue(old, out var history))
            {
                continue;
            }

            // A share of 0 still gives buckets: that the keys carried no load is history too.
            var share = ShareOf(_latestSamples.GetValueOrDefault(old), range, route.Range, current);
            sum ??= [];
            foreach (var bucket in history)
            {
                sum[bucket.Start] = Accumulate(sum.GetValueOrDefault(bucket.Start), bucket, share);
            }
        }

        return sum?.Values.ToList();
    }

    /// <summary><paramref name="mine"/> (or an empty bucket at the same start) plus <paramref name="share"/> of <paramref name="other"/>.</summary>
    private static LoadBucket Accumulate(LoadBucket? mine, LoadBucket other, double share)
    {
        mine ??= new LoadBucket(other.Start, 0, 0);
        return new LoadBucket(
            mine.Start,
            mine.Reads + (other.Reads * share),
            mine.Writes + (other.Writes * share),
            mine.BytesRead + (other.BytesRead * share),
            mine.BytesWritten + (other.BytesWritten * share),
            mine.DistinctClients + (other.DistinctClients * share))
        {
            RegionRequests = AddRegions(mine.RegionRequests, other.RegionRequests, share),
        };
    }

    /// <summary>Adds a departed partition's harvested buckets to the buckets of the routes that took over its keys, shared by its last <paramref name="samples"/>.</summary>
    private void HandOver(PartitionLoadSeries departed, KeyRange range, RoutingMap current, IReadOnlyList<KeySample>? samples)
    {
        foreach (var route in current.Routes)
        {
            // A child of a split gets its share; a partition that absorbed the departed one (a merge) gets all of it.
            if (!range.Overlaps(route.Range) || !_buckets.TryGetValue(route.Partition, out var list))
            {
                continue;
            }

            var share = ShareOf(samples, range, route.Range, current);
            if (share <= 0)
            {
                continue;
            }

            foreach (var bucket in departed.Buckets)
            {
                var at = list.FindLastIndex(b => b.Start == bucket.Start);
                if (at < 0)
                {
                    continue;
                }

                list[at] = Accumulate(list[at], bucket, share);
            }
        }
    }

    private static IReadOnlyDictionary<string, double> AddRegions(IReadOnlyDictionary<string, double> mine, IReadOnlyDictionary<string, double> departed, double share)
    {
        if (departed.Count == 0)
        {
            return mine;
        }

        var sum = new Dictionary<string, double>(mine);
        foreach (var (region, requests) in departed)
        {
            sum[region] = sum.GetValueOrDefault(region) + (requests * share);
        }

        return sum;
    }

    /// <summary>
    /// The share of an old partition's load that a route's range takes: all of it when the route covers the old range
    /// (a merge, or the same keys), else the share of its sampled load (<paramref name="samples"/>, its last key samples)
    /// whose keys the route holds, or, with nothing sampled, an equal share among the routes that now hold its keys.
    /// </summary>
    private static double ShareOf(IReadOnlyList<KeySample>? samples, KeyRange oldRange, KeyRange routeRange, RoutingMap current)
    {
        if (routeRange.Covers(oldRange))
        {
            return 1;
        }

        if (samples is { Count: > 0 })
        {
            // Over the samples inside the old range only: a recorder's truncated key may sort before its partition's start
            // (LoadRecorderOptions.MaxSampledKeyBytes), and counted here but held by no route its share of the load was lost.
            var total = samples.Where(s => oldRange.Contains(s.Key)).Sum(s => s.Weight);
            var inside = samples.Where(s => oldRange.Contains(s.Key) && routeRange.Contains(s.Key)).Sum(s => s.Weight);
            if (total > 0)
            {
                return inside / total;
            }
        }

        return 1.0 / Math.Max(1, current.Routes.Count(r => r.Range.Overlaps(oldRange)));
    }
}
