using PredictiveSharding.Telemetry;
using PredictiveSharding.Topology;

namespace PredictiveSharding.Core.Tests.Telemetry;

public sealed class PartitionCountersTests
{
    [Test]
    public void Drain_KeepsABucketSetAsideAtOrAfterTheHarvestsEndForALaterHarvest()
    {
        // Bucket 5 reuses bucket 1's cell and sets bucket 1's counts aside. A harvest that ends at bucket 1 (its clock
        // behind the request path's) must not be handed them: it has no bucket for them, and the recorder threw.
        var counters = new PartitionCounters(new PartitionId("p"), stripes: 1, regions: 0, clientSketchBits: 64, sampleSize: 1, maxSampledKeyBytes: 8, randomSeed: 1);
        counters.Add(1, 0, RequestKind.Read, 0, 0, 0);
        counters.Add(5, 0, RequestKind.Read, 0, 0, 0);

        var early = new List<long>();
        counters.Drain(1, (epoch, _) => early.Add(epoch));
        var later = new List<(long Epoch, long Reads)>();
        counters.Drain(6, (epoch, row) => later.Add((epoch, row[PartitionCounters.Reads])));

        Assert.That(early, Is.Empty);
        Assert.That(later, Is.EquivalentTo(new[] { (1L, 1L), (5L, 1L) }));
    }
}
