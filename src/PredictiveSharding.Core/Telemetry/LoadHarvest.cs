using PredictiveSharding.Routing;
using PredictiveSharding.Topology;

namespace PredictiveSharding.Telemetry;

/// <summary>What one <see cref="LoadRecorder.Harvest"/> returns: the closed buckets since the previous harvest, and key samples.</summary>
public sealed class LoadHarvest
{
    internal LoadHarvest(IReadOnlyList<PartitionLoadSeries> series, IReadOnlyDictionary<PartitionId, IReadOnlyList<KeySample>> keySamples, RoutingMap routing, int bucketsMovedOver = 0)
    {
        Series = series;
        KeySamples = keySamples;
        Routing = routing;
        BucketsMovedOver = bucketsMovedOver;
    }

    /// <summary>
    /// One series per partition that is in the current routing map or received requests since the last harvest,
    /// covering the same consecutive closed buckets (zeros included), from where the previous harvest ended. When more
    /// than <see cref="LoadRecorderOptions.MaxBucketsPerHarvest"/> closed, only the latest that many: the series then
    /// start later than the previous harvest ended, and the buckets between count as no load (a request recorded in
    /// them is counted in the first bucket). Empty when no bucket closed since the last harvest.
    /// </summary>
    public IReadOnlyList<PartitionLoadSeries> Series { get; }

    /// <summary>
    /// How many of each series' first buckets this harvest moved over when it re-anchored the labels to the wall clock
    /// (an NTP step forward or a suspend; see <see cref="LoadRecorder"/>'s remarks): no time was measured under their
    /// labels, so they count as no load (the first may still hold requests counted late, as any harvest's first bucket
    /// may). 0 unless the wall clock moved ahead of the timestamp since the previous harvest. A consumer that judges a
    /// forecast against the harvest should not judge it against these.
    /// </summary>
    public int BucketsMovedOver { get; }

    /// <summary>Keys sampled since the last harvest, per partition, each weighted by the requests it stands for.</summary>
    public IReadOnlyDictionary<PartitionId, IReadOnlyList<KeySample>> KeySamples { get; }

    /// <summary>The routing version current when the harvest was taken.</summary>
    public long RoutingVersion => Routing.Version;

    /// <summary>
    /// The routing map current when the harvest was taken: each of its partitions has a series in <see cref="Series"/>
    /// (unless no bucket closed). A consumer that keeps per-partition history should use this map rather than read the
    /// routing table again, which another writer may have changed since.
    /// </summary>
    public RoutingMap Routing { get; }

    /// <summary>Total requests across all series.</summary>
    public double TotalRequests
    {
        get
        {
            double total = 0;
            foreach (var series in Series)
            {
                foreach (var bucket in series.Buckets)
                {
                    total += bucket.Requests;
                }
            }

            return total;
        }
    }
}
