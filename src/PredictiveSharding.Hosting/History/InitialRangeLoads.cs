using PredictiveSharding.Keys;
using PredictiveSharding.Routing;
using PredictiveSharding.Telemetry;
using PredictiveSharding.Topology;

namespace PredictiveSharding.Hosting.History;

/// <summary>
/// The load of the key ranges the routing map had at the first harvest, bucket by bucket, however the host has split,
/// merged or moved partitions since: each harvested series is added to the initial range its partition's range starts
/// in. Evidence of growth that the host's own cuts do not remove: a load-based split keeps its pieces below the 5% of a
/// node that a growth must start from to count (<see cref="Planning.Guards.ForecastGuard.ObserveGrowth"/>), so the
/// surges of a range it has cut teach nothing through the pieces (the simulation's
/// <c>SimulationOptions.GrowthFromInitialRanges</c> measures the same idea).
/// </summary>
/// <remarks>
/// Every request is counted by exactly one partition's series in a harvest, so the sums neither double a split's
/// inherited history nor miss a partition that left the map mid-harvest (its range is remembered from the harvest
/// before). A partition that appeared and left within one harvest is not placed (no range of it was seen) and its
/// requests are left out. Not thread-safe; one per control loop.
/// </remarks>
internal sealed class InitialRangeLoads(int maxBuckets)
{
    /// <summary>The routing map of the harvest before: where a partition that left the map since served from.</summary>
    private RoutingMap? _previous;
    private ShardKey[]? _starts;
    private List<double>[]? _loads;

    /// <summary>The end of the last harvest with buckets.</summary>
    private DateTimeOffset? _end;

    /// <summary>Buckets before this index of each range's loads have been handed out by <see cref="TakeUnobserved"/>.</summary>
    private int _observed;

    /// <summary>The initial ranges' ids (<c>initial-range-0</c>, …), in key order; empty before the first harvest.</summary>
    public IReadOnlyList<PartitionId> Ranges { get; private set; } = [];

    /// <summary>Each initial range's load per bucket, oldest first, at most the last <c>maxBuckets</c>.</summary>
    public IReadOnlyList<IReadOnlyList<double>> Loads => _loads ?? [];

    /// <summary>Adds a harvest's buckets to the initial ranges (the first harvest's routing map defines them).</summary>
    public void Append(LoadHarvest harvest)
    {
        ArgumentNullException.ThrowIfNull(harvest);
        Append(harvest.Series, harvest.Routing);
    }

    /// <summary>Adds a harvest given as its parts (what <see cref="LoadHarvest"/> holds; tests build them directly).</summary>
    internal void Append(IReadOnlyList<PartitionLoadSeries> harvestSeries, RoutingMap routing)
    {
        if (_starts is null)
        {
            var routes = routing.Routes;
            _starts = [.. routes.Select(r => r.Range.Start)];
            _loads = [.. routes.Select(_ => new List<double>())];
            Ranges = [.. routes.Select((_, i) => new PartitionId($"initial-range-{i}"))];
        }

        var count = harvestSeries.Count == 0 ? 0 : harvestSeries.Max(s => s.Count);
        if (count > 0)
        {
            var sums = new double[_starts.Length, count];
            foreach (var series in harvestSeries)
            {
                var map = routing.Contains(series.Partition) ? routing : _previous?.Contains(series.Partition) == true ? _previous : null;
                if (map is null)
                {
                    continue;
                }

                var index = IndexOf(map.Get(series.Partition).Range.Start);

                // The series of a harvest cover the same closed buckets; one shorter than the longest ends with them.
                var offset = count - series.Count;
                for (var b = 0; b < series.Count; b++)
                {
                    sums[index, offset + b] += series.Buckets[b].Requests;
                }
            }

            // A harvest starts later than the last ended when more buckets closed than a recorder returns at once
            // (LoadRecorderOptions.MaxBucketsPerHarvest): the buckets between had no load, and each range keeps one entry
            // per bucket. At most as many as are kept: older ones would be trimmed at once.
            var longest = harvestSeries.MaxBy(s => s.Count)!;
            var step = longest.Step;
            var end = longest.End;
            var missing = _end is { } last ? Math.Max(0, (end - (count * step) - last).Ticks / step.Ticks) : 0;
            var padding = (int)Math.Min(missing, maxBuckets);
            _end = end;

            // Every range holds the same number of buckets, so they are trimmed alike.
            var dropped = Math.Max(0, _loads![0].Count + padding + count - maxBuckets);
            for (var i = 0; i < _loads.Length; i++)
            {
                _loads[i].AddRange(Enumerable.Repeat(0.0, padding));
                for (var b = 0; b < count; b++)
                {
                    _loads[i].Add(sums[i, b]);
                }

                _loads[i].RemoveRange(0, dropped);
            }

            _observed = Math.Max(0, _observed - dropped);
        }

        // Kept over a harvest without buckets (a cycle that ran before its bucket closed): the buckets of a partition that
        // left the map before it come with the next harvest, and only the map before holds its range.
        if (count > 0 || _previous is null)
        {
            _previous = routing;
        }
    }

    /// <summary>The index of the first bucket not handed out by an earlier call; every bucket counts as handed out after it.</summary>
    public int TakeUnobserved()
    {
        var from = _observed;
        _observed = _loads is { Length: > 0 } loads ? loads[0].Count : 0;
        return from;
    }

    /// <summary>The initial range a key falls in: the last whose start is at or below it.</summary>
    private int IndexOf(ShardKey key)
    {
        var starts = _starts!;
        int lo = 0, hi = starts.Length - 1;
        while (lo < hi)
        {
            var mid = (lo + hi + 1) / 2;
            if (starts[mid] <= key)
            {
                lo = mid;
            }
            else
            {
                hi = mid - 1;
            }
        }

        return lo;
    }
}
