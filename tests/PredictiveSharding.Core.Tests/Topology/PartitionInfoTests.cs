using PredictiveSharding.Keys;
using PredictiveSharding.Topology;

namespace PredictiveSharding.Core.Tests.Topology;

public sealed class PartitionInfoTests
{
    private static readonly PartitionId Id = new("orders-17");
    private static readonly NodeId Node = new("n1");

    [TestCase(-1L, 0L, "sizeBytes")]
    [TestCase(0L, -1L, "keyCount")]
    public void Constructor_WithANegativeSizeOrKeyCount_ThrowsNamingThePartition(long sizeBytes, long keyCount, string name)
    {
        // An inventory builds one per partition every cycle (a store's size estimate can be -1 for "unknown"): the message
        // named the value only, so a host with thousands of partitions could not tell which estimate was bad.
        Assert.That(
            () => new PartitionInfo(Id, KeyRange.Full, Node, sizeBytes, keyCount),
            Throws.InstanceOf<ArgumentOutOfRangeException>().With.Property(nameof(ArgumentException.ParamName)).EqualTo(name)
                .And.Message.Contains("'orders-17'").And.Message.Contains("-1"));
    }

    [Test]
    public void Init_WithABadRegionShareOrAccessFrequency_ThrowsNamingThePartition()
    {
        Assert.Multiple(() =>
        {
            Assert.That(
                () => new PartitionInfo(Id, KeyRange.Full, Node, 0, 0) { RegionMix = new Dictionary<string, double> { ["eu"] = double.NaN } },
                Throws.InstanceOf<ArgumentOutOfRangeException>().With.Message.Contains("'orders-17'").And.Message.Contains("RegionMix[eu]"));
            Assert.That(
                () => new PartitionInfo(Id, KeyRange.Full, Node, 0, 0) { AccessFrequency = -2 },
                Throws.InstanceOf<ArgumentOutOfRangeException>().With.Message.Contains("'orders-17'").And.Message.Contains("AccessFrequency"));
        });
    }
}
