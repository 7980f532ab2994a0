using PredictiveSharding.Telemetry;
using PredictiveSharding.Topology;

namespace PredictiveSharding.Core.Tests.Telemetry;

public sealed class PartitionLoadSeriesTests
{
    private static readonly DateTimeOffset T0 = DateTimeOffset.UnixEpoch;
    private static readonly TimeSpan Hour = TimeSpan.FromHours(1);

    [Test]
    public void Constructor_ConsecutiveBuckets_Accepted()
    {
        var series = new PartitionLoadSeries(new PartitionId("p"), Hour, [LoadBucket.OfRequests(T0, 1), LoadBucket.OfRequests(T0 + Hour, 2)]);
        Assert.That(series.RequestValues(), Is.EqualTo(new[] { 1.0, 2.0 }));
        Assert.That(series.End, Is.EqualTo(T0 + (2 * Hour)));
    }

    [Test]
    public void Constructor_GapOrDisorder_ThrowNamingTimestamps()
    {
        Assert.That(() => new PartitionLoadSeries(new PartitionId("p"), Hour, [LoadBucket.OfRequests(T0, 1), LoadBucket.OfRequests(T0 + (3 * Hour), 2)]), Throws.ArgumentException.With.Message.Contains("gap"));
        Assert.That(() => new PartitionLoadSeries(new PartitionId("p"), Hour, [LoadBucket.OfRequests(T0 + Hour, 1), LoadBucket.OfRequests(T0, 2)]), Throws.ArgumentException.With.Message.Contains("out of order"));
        Assert.That(() => new PartitionLoadSeries(new PartitionId("p"), Hour, [LoadBucket.OfRequests(T0, 1), LoadBucket.OfRequests(T0, 2)]), Throws.ArgumentException.With.Message.Contains("1970-01-01"));
    }

    [Test]
    public void Constructor_WhenABucketEndsAfterTheLastRepresentableTime_ThrowsNamingTheSeries()
    {
        // A bucket starting within a step of 9999-12-31 was accepted alone (End then threw when read, in a forecaster), and
        // followed by another one threw DateTimeOffset's bare ArgumentOutOfRangeException naming neither series nor bucket.
        var late = DateTimeOffset.MaxValue - TimeSpan.FromMinutes(30);
        var early = late - Hour;

        Assert.That(
            () => new PartitionLoadSeries(new PartitionId("p"), Hour, [LoadBucket.OfRequests(late, 1)]),
            Throws.ArgumentException.With.Message.Contains("'p'").And.Message.Contains("bucket 0").And.Property(nameof(ArgumentException.ParamName)).EqualTo("buckets"));
        Assert.That(
            () => new PartitionLoadSeries(new PartitionId("p"), Hour, [LoadBucket.OfRequests(late, 1), LoadBucket.OfRequests(late + TimeSpan.FromMinutes(20), 1)]),
            Throws.ArgumentException.With.Message.Contains("'p'").And.Message.Contains("bucket 0").And.Property(nameof(ArgumentException.ParamName)).EqualTo("buckets"));
        Assert.That(
            () => new PartitionLoadSeries(new PartitionId("p"), Hour, [LoadBucket.OfRequests(early, 1), LoadBucket.OfRequests(late, 1)]),
            Throws.ArgumentException.With.Message.Contains("'p'").And.Message.Contains("bucket 1").And.Property(nameof(ArgumentException.ParamName)).EqualTo("buckets"));
        Assert.That(new PartitionLoadSeries(new PartitionId("p"), Hour, [LoadBucket.OfRequests(DateTimeOffset.MaxValue - Hour - TimeSpan.FromTicks(1), 1)]).End, Is.EqualTo(DateTimeOffset.MaxValue - TimeSpan.FromTicks(1)));
    }

    [Test]
    public void Constructor_CallerChangesItsListAfterwards_SeriesKeepsTheCheckedBuckets()
    {
        // The series kept the caller's list: a bucket swapped in afterwards left a gap the constructor refuses.
        var buckets = new List<LoadBucket> { LoadBucket.OfRequests(T0, 1), LoadBucket.OfRequests(T0 + Hour, 2) };
        var series = new PartitionLoadSeries(new PartitionId("p"), Hour, buckets);

        buckets[1] = LoadBucket.OfRequests(T0 + (5 * Hour), 9);
        buckets.Add(LoadBucket.OfRequests(T0 + (6 * Hour), 9));

        Assert.That(series.Count, Is.EqualTo(2));
        Assert.That(series.RequestValues(), Is.EqualTo(new[] { 1.0, 2.0 }));
        Assert.That(series.End, Is.EqualTo(T0 + (2 * Hour)));
        Assert.That(series.Buckets, Is.Not.InstanceOf<LoadBucket[]>().And.Not.InstanceOf<List<LoadBucket>>(), "a cast back must not reach the buckets");
    }

    [Test]
    public void LoadBucket_CallerChangesItsRegionDictionaryAfterwards_BucketKeepsTheCheckedCounts()
    {
        // The bucket kept the caller's dictionary: a negative or NaN count put in afterwards bypassed the check.
        var regions = new Dictionary<string, double> { ["eu"] = 3 };
        var bucket = LoadBucket.OfRequests(T0, 3) with { RegionRequests = regions };

        regions["eu"] = double.NaN;
        regions["us"] = -1;

        Assert.That(bucket.RegionRequests, Is.EquivalentTo(new Dictionary<string, double> { ["eu"] = 3 }));
        Assert.That(bucket.RegionRequests, Is.Not.InstanceOf<Dictionary<string, double>>(), "a cast back must not reach the counts");
    }

    [Test]
    public void LoadBucket_RegionDictionaryWithAComparer_CopyLooksRegionsUpTheSameWay()
    {
        // The copy was made with the default comparer: a caller's case-insensitive regions no longer found "eu" under "EU",
        // as they did before the bucket copied them.
        var regions = new Dictionary<string, double>(StringComparer.OrdinalIgnoreCase) { ["eu"] = 3 };
        var bucket = LoadBucket.OfRequests(T0, 3) with { RegionRequests = regions };

        Assert.That(bucket.RegionRequests.TryGetValue("EU", out var count), Is.True);
        Assert.That(count, Is.EqualTo(3));
    }

    [Test]
    public void LoadBucket_GivenAnEmptyRegionDictionary_KeepsTheSharedEmptyMapInsteadOfACopy()
    {
        var start = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var given = new Dictionary<string, double>();
        var bucket = new LoadBucket(start, 1, 2) { RegionRequests = given };

        Assert.That(bucket.RegionRequests, Is.SameAs(LoadBucket.OfRequests(start, 3).RegionRequests), "the recorder's empty region maps cost no copy per bucket");
        given["eu"] = 5;
        Assert.That(bucket.RegionRequests, Is.Empty);
    }

    [Test]
    public void LoadBucket_WithoutRegions_SharesNoDictionaryACastCanChange()
    {
        // Every bucket without regions handed out one shared Dictionary: a cast back put a count (even a negative one) into
        // the regions of every such bucket at once.
        var first = LoadBucket.OfRequests(T0, 3);
        var second = new LoadBucket(T0, 1, 1);

        if (first.RegionRequests is IDictionary<string, double> { IsReadOnly: false } writable)
        {
            writable["eu"] = -1;
        }

        Assert.That(second.RegionRequests, Is.Empty);
        Assert.That(first.RegionRequests, Is.Not.InstanceOf<Dictionary<string, double>>(), "a cast back must not reach the counts");
    }

    [Test]
    public void LoadBucket_NegativeOrInfinite_ThrowsNamingValue()
    {
        Assert.That(() => new LoadBucket(T0, -3, 0), Throws.InstanceOf<ArgumentOutOfRangeException>().With.Message.Contains("-3"));
        Assert.That(() => new LoadBucket(T0, double.PositiveInfinity, 0), Throws.InstanceOf<ArgumentOutOfRangeException>().With.Message.Contains("reads"));
    }
}
