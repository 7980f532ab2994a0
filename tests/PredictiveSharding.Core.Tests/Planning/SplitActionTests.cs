using PredictiveSharding.Keys;
using PredictiveSharding.Planning;
using PredictiveSharding.Topology;

namespace PredictiveSharding.Core.Tests.Planning;

public sealed class SplitActionTests
{
    private static readonly PartitionId Parent = new("p1");

    [Test]
    public void Equals_TwoSplitsOfTheSamePartitionAtTheSameKeysIntoTheSameIds_AreEqualWithEqualHashes()
    {
        // A record promises value equality; the key and id lists compared by reference, so two identical splits (two runs of
        // a planner, a plan read back) were unequal and a plan's actions could not be compared with another's.
        var first = new SplitAction(Parent, [ShardKey.FromString("m")], [new PartitionId("p1a"), new PartitionId("p1b")], "hot");
        var second = new SplitAction(Parent, [ShardKey.FromString("m")], [new PartitionId("p1a"), new PartitionId("p1b")], "hot");

        Assert.Multiple(() =>
        {
            Assert.That(second, Is.EqualTo(first));
            Assert.That(second == first, Is.True);
            Assert.That(second.GetHashCode(), Is.EqualTo(first.GetHashCode()));
            Assert.That(new ShardingAction[] { second }, Is.EqualTo(new ShardingAction[] { first }));
        });
    }

    [Test]
    public void Equals_SplitsThatDifferInAKeyAnIdOrTheReason_AreNotEqual()
    {
        var split = new SplitAction(Parent, [ShardKey.FromString("m")], [new PartitionId("p1a"), new PartitionId("p1b")], "hot");

        Assert.Multiple(() =>
        {
            Assert.That(new SplitAction(Parent, [ShardKey.FromString("n")], [new PartitionId("p1a"), new PartitionId("p1b")], "hot"), Is.Not.EqualTo(split));
            Assert.That(new SplitAction(Parent, [ShardKey.FromString("m")], [new PartitionId("p1a"), new PartitionId("p1c")], "hot"), Is.Not.EqualTo(split));
            Assert.That(new SplitAction(Parent, [ShardKey.FromString("m")], [new PartitionId("p1a"), new PartitionId("p1b")], "large"), Is.Not.EqualTo(split));
            Assert.That(new SplitAction(new PartitionId("p2"), [ShardKey.FromString("m")], [new PartitionId("p1a"), new PartitionId("p1b")], "hot"), Is.Not.EqualTo(split));
        });
    }
}
