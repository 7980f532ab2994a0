using PredictiveSharding.Forecasting;
using PredictiveSharding.Keys;
using PredictiveSharding.Routing;
using PredictiveSharding.Telemetry;
using PredictiveSharding.Topology;

namespace PredictiveSharding.Hosting.History;

/// <summary>
/// The load history the loop keeps per partition, bounded in length. A partition born of a split starts with its
/// parent's history scaled by its share of the parent's sampled load (an equal share when nothing was sampled), so
/// the forecaster has context for it from the first cycle.
/// </summary>
internal sealed class PartitionHistory
{
    private readonly int _maxBuckets;
    private readonly Dictionary<PartitionId, List<LoadBucket>> _buckets = [];
    private readonly Dictionary<PartitionId, KeyRange> _ranges = [];
    private readonly Dictionary<PartitionId, IReadOnlyList<KeySample>> _latestSamples = [];
    private readonly Dictionary<PartitionId, int> _inherited = [];
    private TimeSpan _step;

    public PartitionHistory(int maxBuckets) => _maxBuckets = maxBuckets;

    /// <summary>Buckets held for the partition with the longest history.</summary>
    public int Length => _buckets.Count == 0 ? 0 : _buckets.Values.Max(b => b.Count);

    /// <summary>The most recent key samples seen per partition.</summary>
    public IReadOnlyDictionary<PartitionId, IReadOnlyList<KeySample>> LatestSamples => _latestSamples;

    public void Append(LoadHarvest harvest, RoutingMap current)
    {
        foreach (var route in current.Routes)
        {
            if (!_buckets.ContainsKey(route.Partition))
            {
                SeedFromParent(route);
            }
        }

        foreach (var series in harvest.Series)
        {
            _step = series.Step;
            if (!_buckets.TryGetValue(series.Partition, out var list))
            {
                list = [];
                _buckets[series.Partition] = list;
            }

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
        foreach (var series in harvest.Series)
        {
            if (!current.Contains(series.Partition) && _ranges.TryGetValue(series.Partition, out var range))
            {
                HandOver(series, range, current);
            }
        }

        foreach (var (partition, samples) in harvest.KeySamples)
        {
            _latestSamples[partition] = samples;
        }

        // Forget partitions that left the map once their children have copied what they need.
        foreach (var gone in _buckets.Keys.Where(id => !current.Contains(id)).ToList())
        {
            _buckets.Remove(gone);
            _latestSamples.Remove(gone);
            _ranges.Remove(gone);
            _inherited.Remove(gone);
        }

        foreach (var route in current.Routes)
        {
            _ranges[route.Partition] = route.Range;
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

    /// <summary>The last bucket of a partition, or null.</summary>
    public LoadBucket? Last(PartitionId partition) =>
        _buckets.TryGetValue(partition, out var list) && list.Count > 0 ? list[^1] : null;

    private void SeedFromParent(PartitionRoute child)
    {
        foreach (var (parent, range) in _ranges)
        {
            if (parent == child.Partition || !range.Covers(child.Range) || !_buckets.TryGetValue(parent, out var history))
            {
                continue;
            }

            var share = ShareOf(parent, range, child.Range);
            _buckets[child.Partition] = history.Select(b => new LoadBucket(b.Start, b.Reads * share, b.Writes * share, b.BytesRead * share, b.BytesWritten * share, b.DistinctClients * share)).ToList();
            _inherited[child.Partition] = history.Count;
            return;
        }
    }

    /// <summary>Adds a departed partition's harvested buckets to the buckets of the routes that took over its keys.</summary>
    private void HandOver(PartitionLoadSeries departed, KeyRange range, RoutingMap current)
    {
        foreach (var route in current.Routes)
        {
            // A child of a split gets its share; a partition that absorbed the departed one (a merge) gets all of it.
            var share = range.Covers(route.Range) ? ShareOf(departed.Partition, range, route.Range) : route.Range.Covers(range) ? 1.0 : 0.0;
            if (share <= 0 || !_buckets.TryGetValue(route.Partition, out var list))
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

                var mine = list[at];
                list[at] = new LoadBucket(
                    mine.Start,
                    mine.Reads + (bucket.Reads * share),
                    mine.Writes + (bucket.Writes * share),
                    mine.BytesRead + (bucket.BytesRead * share),
                    mine.BytesWritten + (bucket.BytesWritten * share),
                    mine.DistinctClients + (bucket.DistinctClients * share))
                {
                    RegionRequests = AddRegions(mine.RegionRequests, bucket.RegionRequests, share),
                };
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

    private double ShareOf(PartitionId parent, KeyRange parentRange, KeyRange childRange)
    {
        if (_latestSamples.TryGetValue(parent, out var samples) && samples.Count > 0)
        {
            var total = samples.Sum(s => s.Weight);
            var inside = samples.Where(s => childRange.Contains(s.Key)).Sum(s => s.Weight);
            if (total > 0)
            {
                return inside / total;
            }
        }

        // Nothing sampled: assume the load splits evenly between the parent's children seen so far.
        var siblings = _ranges.Count(r => parentRange.Covers(r.Value) && r.Key != parent);
        return 1.0 / Math.Max(2, siblings + 1);
    }
}
