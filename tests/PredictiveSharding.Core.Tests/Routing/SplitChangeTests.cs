using PredictiveSharding.Keys;
using PredictiveSharding.Routing;
using PredictiveSharding.Topology;

namespace PredictiveSharding.Core.Tests.Routing;

public sealed class SplitChangeTests
{
    private static readonly PartitionId Parent = new("p1");

    [Test]
    public void Equals_TwoSplitsAtTheSameKeysIntoTheSameIdsAndNodes_AreEqualWithEqualHashes()
    {
        // As SplitAction's: a record compares its lists by reference, so two identical changes were unequal.
        var first = new SplitChange(Parent, [ShardKey.FromString("m")], [new PartitionId("a"), new PartitionId("b")], [new NodeId("n1"), new NodeId("n2")]);
        var second = new SplitChange(Parent, [ShardKey.FromString("m")], [new PartitionId("a"), new PartitionId("b")], [new NodeId("n1"), new NodeId("n2")]);

        Assert.Multiple(() =>
        {
            Assert.That(second, Is.EqualTo(first));
            Assert.That(second.GetHashCode(), Is.EqualTo(first.GetHashCode()));
            Assert.That(second with { Nodes = null }, Is.EqualTo(first with { Nodes = null }));
        });
    }

    [Test]
    public void Equals_SplitsThatDifferInAKeyAnIdOrANode_AreNotEqual()
    {
        var split = new SplitChange(Parent, [ShardKey.FromString("m")], [new PartitionId("a"), new PartitionId("b")], [new NodeId("n1"), new NodeId("n2")]);

        Assert.Multiple(() =>
        {
            Assert.That(split with { SplitKeys = [ShardKey.FromString("n")] }, Is.Not.EqualTo(split));
            Assert.That(split with { NewPartitions = [new PartitionId("a"), new PartitionId("c")] }, Is.Not.EqualTo(split));
            Assert.That(split with { Nodes = [new NodeId("n1"), new NodeId("n3")] }, Is.Not.EqualTo(split));
            Assert.That(split with { Nodes = null }, Is.Not.EqualTo(split));
        });
    }
}
