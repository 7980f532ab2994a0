using PredictiveSharding.Telemetry;

namespace PredictiveSharding.Core.Tests.Telemetry;

public sealed class LoadBucketTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Test]
    public void Equals_TwoBucketsWithTheSameRequestsPerRegion_AreEqualWithEqualHashes()
    {
        // A record compares its dictionary by reference: every bucket the recorder harvests with regions has its own, so
        // a bucket was unequal to one with the very same figures (a test's expected bucket, the same bucket read back).
        var first = new LoadBucket(T0, 10, 2) { RegionRequests = new Dictionary<string, double> { ["eu"] = 8, ["us"] = 4 } };
        var second = new LoadBucket(T0, 10, 2) { RegionRequests = new Dictionary<string, double> { ["us"] = 4, ["eu"] = 8 } };

        Assert.Multiple(() =>
        {
            Assert.That(second, Is.EqualTo(first));
            Assert.That(second.GetHashCode(), Is.EqualTo(first.GetHashCode()));
        });
    }

    [Test]
    public void Equals_BucketsThatDifferInARegionOrAFigure_AreNotEqual()
    {
        var bucket = new LoadBucket(T0, 10, 2) { RegionRequests = new Dictionary<string, double> { ["eu"] = 8, ["us"] = 4 } };

        Assert.Multiple(() =>
        {
            Assert.That(bucket with { RegionRequests = new Dictionary<string, double> { ["eu"] = 8, ["us"] = 5 } }, Is.Not.EqualTo(bucket));
            Assert.That(bucket with { RegionRequests = new Dictionary<string, double> { ["eu"] = 8, ["ap"] = 4 } }, Is.Not.EqualTo(bucket));
            Assert.That(bucket with { RegionRequests = new Dictionary<string, double> { ["eu"] = 8 } }, Is.Not.EqualTo(bucket));
            Assert.That(new LoadBucket(T0, 10, 3) { RegionRequests = bucket.RegionRequests }, Is.Not.EqualTo(bucket));
            Assert.That(new LoadBucket(T0, 10, 2), Is.Not.EqualTo(bucket));
        });
    }
}
