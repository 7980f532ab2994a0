using PredictiveSharding.Keys;
using PredictiveSharding.Planning;
using PredictiveSharding.Topology;

namespace PredictiveSharding.Core.Tests.Planning;

public sealed class ShardingPlanTests
{
    private static readonly UtilizationSummary Peak = new(0.9, new NodeId("n1"), ResourceKind.Requests, 0);

    private static MoveAction Move(string shard) =>
        new(new PartitionId(shard), new NodeId("n1"), new NodeId("n2"), 100, DateTimeOffset.UnixEpoch, TimeSpan.FromSeconds(1), "hot");

    [Test]
    public void Constructor_WhenTheCallersListsChangeAfterwards_KeepsWhatItWasGiven()
    {
        // The plan kept the planner's own lists: the executor, the loop's cooldowns and the logs all read one plan, and a
        // cast back (or the planner reusing its list) could change its actions and warnings under them.
        var actions = new List<ShardingAction> { Move("p1") };
        var warnings = new List<string> { "one key is hotter than a node" };
        var plan = new ShardingPlan(true, actions, Peak, Peak, 100, TimeSpan.Zero) { Warnings = warnings };

        actions.Add(Move("p2"));
        warnings.Clear();

        Assert.Multiple(() =>
        {
            Assert.That(plan.Actions, Is.EqualTo(new[] { Move("p1") }));
            Assert.That(plan.Warnings, Is.EqualTo(new[] { "one key is hotter than a node" }));
            Assert.That(plan.Actions, Is.Not.InstanceOf<List<ShardingAction>>());
            Assert.That(plan.Warnings, Is.Not.InstanceOf<List<string>>());
        });
    }

    [Test]
    public void Constructor_WithANullAction_ThrowsNamingItsIndex()
    {
        // An executor met it as a NullReferenceException, naming neither the plan nor the action.
        Assert.That(
            () => new ShardingPlan(true, [Move("p1"), null!], Peak, Peak, 100, TimeSpan.Zero),
            Throws.ArgumentException.With.Property(nameof(ArgumentException.ParamName)).EqualTo("actions").And.Message.Contains("actions[1]"));
    }

    [Test]
    public void Warnings_SetToNull_ThrowsNamingThem()
    {
        Assert.That(
            () => new ShardingPlan(true, [], Peak, Peak, 0, TimeSpan.Zero) { Warnings = null! },
            Throws.ArgumentNullException.With.Property(nameof(ArgumentException.ParamName)).EqualTo(nameof(ShardingPlan.Warnings)));
    }

    [Test]
    public void Equals_TwoPlansOfEqualActionsAndFigures_AreEqualWithEqualHashes()
    {
        var first = new ShardingPlan(true, [Move("p1")], Peak, Peak, 100, TimeSpan.Zero) { Warnings = ["note"] };
        var second = new ShardingPlan(true, [Move("p1")], Peak, Peak, 100, TimeSpan.Zero) { Warnings = ["note"] };

        Assert.Multiple(() =>
        {
            Assert.That(second, Is.EqualTo(first));
            Assert.That(second.GetHashCode(), Is.EqualTo(first.GetHashCode()));
            Assert.That(second with { Shortfall = 0.5 }, Is.Not.EqualTo(first));
            Assert.That(second with { Warnings = [] }, Is.Not.EqualTo(first));
            Assert.That(new ShardingPlan(true, [Move("p2")], Peak, Peak, 100, TimeSpan.Zero) { Warnings = ["note"] }, Is.Not.EqualTo(first));
        });
    }

    [Test]
    public void SplitAction_WhenTheCallersListsChangeAfterwards_KeepsWhatItWasGiven()
    {
        var keys = new List<ShardKey> { ShardKey.FromString("m") };
        var shards = new List<PartitionId> { new("p1a"), new("p1b") };
        var split = new SplitAction(new PartitionId("p1"), keys, shards, "hot");

        keys[0] = ShardKey.FromString("z");
        shards.Add(new PartitionId("p1c"));

        Assert.Multiple(() =>
        {
            Assert.That(split.SplitKeys, Is.EqualTo(new[] { ShardKey.FromString("m") }));
            Assert.That(split.NewPartitions, Is.EqualTo(new[] { new PartitionId("p1a"), new PartitionId("p1b") }));
            Assert.That(split.SplitKeys, Is.Not.InstanceOf<List<ShardKey>>());
            Assert.That(split.NewPartitions, Is.Not.InstanceOf<List<PartitionId>>());
        });
    }
}
