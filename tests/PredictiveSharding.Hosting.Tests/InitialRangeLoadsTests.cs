using PredictiveSharding.Hosting.History;
using PredictiveSharding.Keys;
using PredictiveSharding.Routing;
using PredictiveSharding.Telemetry;
using PredictiveSharding.Topology;

namespace PredictiveSharding.Hosting.Tests;

public sealed class InitialRangeLoadsTests
{
    private static readonly DateTimeOffset Start = new(2026, 3, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Bucket = TimeSpan.FromMinutes(1);

    [Test]
    public void Append_SumsEachHarvestIntoTheRangesOfTheFirstMap_HoweverTheyWereCutOrMergedSince()
    {
        // The first map: a [, h), b [h, q), c [q, ). Then b is cut in two, and later b2 merged with c into bc.
        var loads = new InitialRangeLoads(maxBuckets: 100);
        Append(loads, Harvest(0, Map(("a", "", "h"), ("b", "h", "q"), ("c", "q", null)), ("a", 1), ("b", 8), ("c", 2)));
        Append(loads, Harvest(1, Map(("a", "", "h"), ("b1", "h", "m"), ("b2", "m", "q"), ("c", "q", null)), ("a", 1), ("b1", 3), ("b2", 5), ("c", 2)));
        Append(loads, Harvest(2, Map(("a", "", "h"), ("b1", "h", "m"), ("bc", "m", null)), ("a", 1), ("b1", 20), ("bc", 7)));

        Assert.Multiple(() =>
        {
            Assert.That(loads.Ranges.Select(r => r.Value), Is.EqualTo(new[] { "initial-range-0", "initial-range-1", "initial-range-2" }));
            Assert.That(loads.Loads[0], Is.EqualTo(new[] { 1.0, 1, 1 }));
            Assert.That(loads.Loads[1], Is.EqualTo(new[] { 8.0, 8, 27 }), "a merged partition counts where its range starts");
            Assert.That(loads.Loads[2], Is.EqualTo(new[] { 2.0, 2, 0 }));
        });
    }

    [Test]
    public void Append_APartitionThatLeftTheMapMidHarvest_CountsInTheRangeItHadBefore()
    {
        // b served 6 in the bucket in which the host split it: the harvest carries b's series though the map now has b1, b2.
        var loads = new InitialRangeLoads(maxBuckets: 100);
        Append(loads, Harvest(0, Map(("a", "", "h"), ("b", "h", null)), ("a", 1), ("b", 8)));
        Append(loads, Harvest(1, Map(("a", "", "h"), ("b1", "h", "m"), ("b2", "m", null)), ("a", 1), ("b", 6), ("b1", 1), ("b2", 2)));

        Assert.That(loads.Loads[1], Is.EqualTo(new[] { 8.0, 9 }));
    }

    [Test]
    public void Append_APartitionThatLeftTheMapBeforeAnEmptyHarvest_StillCountsInTheRangeItHadBefore()
    {
        // As above, but a cycle harvested nothing (its bucket had not closed) on the map after the split: the next harvest
        // carries b's 6, whose range only the map before the empty harvest knows.
        var loads = new InitialRangeLoads(maxBuckets: 100);
        var split = Map(("a", "", "h"), ("b1", "h", "m"), ("b2", "m", null));
        Append(loads, Harvest(0, Map(("a", "", "h"), ("b", "h", null)), ("a", 1), ("b", 8)));
        loads.Append([], split);
        Append(loads, Harvest(1, split, ("a", 1), ("b", 6), ("b1", 1), ("b2", 2)));

        Assert.That(loads.Loads[1], Is.EqualTo(new[] { 8.0, 9 }));
    }

    [Test]
    public void TakeUnobserved_HandsOutEachBucketOnce_AndKeepsOnlyTheLastMaxBuckets()
    {
        var loads = new InitialRangeLoads(maxBuckets: 3);
        var map = Map(("a", "", null));
        Append(loads, Harvest(0, map, ("a", 1)));
        Append(loads, Harvest(1, map, ("a", 2)));
        var first = loads.TakeUnobserved();
        Append(loads, Harvest(2, map, ("a", 3)));
        Append(loads, Harvest(3, map, ("a", 4)));

        Assert.Multiple(() =>
        {
            Assert.That(first, Is.Zero);
            Assert.That(loads.Loads[0], Is.EqualTo(new[] { 2.0, 3, 4 }), "the oldest bucket dropped");
            Assert.That(loads.TakeUnobserved(), Is.EqualTo(1), "the bucket of 3 is the first not handed out, now at index 1");
            Assert.That(loads.TakeUnobserved(), Is.EqualTo(3), "nothing new");
        });
    }

    [Test]
    public void Append_AHarvestThatStartsAfterTheLastEnded_CountsTheBucketsBetweenAsNoLoad()
    {
        // A recorder's harvest after a long pause returns only its latest buckets (LoadRecorderOptions.MaxBucketsPerHarvest):
        // the buckets left out had no load, and the ranges' loads, kept without times, must still hold one entry per bucket.
        var loads = new InitialRangeLoads(maxBuckets: 4);
        var map = Map(("a", "", null));
        Append(loads, Harvest(0, map, ("a", 1)));
        Append(loads, Harvest(3, map, ("a", 2)));
        Append(loads, Harvest(4, map, ("a", 3)));

        Assert.That(loads.Loads[0], Is.EqualTo(new[] { 0.0, 0, 2, 3 }));
    }

    private static void Append(InitialRangeLoads loads, (IReadOnlyList<PartitionLoadSeries> Series, RoutingMap Map) harvest) => loads.Append(harvest.Series, harvest.Map);

    private static RoutingMap Map(params (string Id, string Start, string? End)[] routes) =>
        new([.. routes.Select(r => new PartitionRoute(new PartitionId(r.Id), KeyRange.FromStrings(r.Start, r.End), new NodeId("n1")))], 0);

    private static (IReadOnlyList<PartitionLoadSeries> Series, RoutingMap Map) Harvest(int minute, RoutingMap map, params (string Id, double Requests)[] series) =>
        ([.. series.Select(s => new PartitionLoadSeries(new PartitionId(s.Id), Bucket, [LoadBucket.OfRequests(Start + (minute * Bucket), s.Requests)]))], map);
}
