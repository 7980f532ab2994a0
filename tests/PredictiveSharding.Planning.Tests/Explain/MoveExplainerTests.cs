using Microsoft.Extensions.Time.Testing;
using static PredictiveSharding.Planning.Tests.Instances;

namespace PredictiveSharding.Planning.Tests.Explain;

/// <summary>Reasons, costs and start-by times of the actions.</summary>
public sealed class MoveExplainerTests
{
    private static ShardingPlan Plan(PlanningRequest request) =>
        new GeneticShardPlanner(Options(), new FakeTimeProvider()).Plan(request, CancellationToken.None);

    /// <summary>n0 holds 3 × 400 = 1200 requests at step 3 (1.2 × capacity); n1 and n2 are nearly idle.</summary>
    private static PlanningRequest Overloaded(PlanningConstraints? constraints = null, int peakStep = 3) =>
        Request(
            [NodeOf(0, 1000), NodeOf(1, 1000), NodeOf(2, 1000)],
            [new Spec(0, 400) { PeakStep = peakStep }, new Spec(0, 400) { PeakStep = peakStep }, new Spec(0, 400) { PeakStep = peakStep }, new Spec(1, 50), new Spec(2, 50)],
            constraints);

    [Test]
    public void Plan_MoveReason_NamesNodeResourceStepQuantileAndThreshold()
    {
        var plan = Plan(Overloaded());

        var move = plan.Actions.OfType<MoveAction>().First();
        Assert.That(move.From, Is.EqualTo(Node(0)));
        Assert.That(move.Reason, Does.StartWith("node n0 requests at step 0 (2026-03-02T08:00:00Z): 1.08 × capacity at q0.9 > threshold 0.80; move "));
    }

    [Test]
    public void Plan_MoveReason_ReportsTheFirstStepThatCrosses()
    {
        // 3 × 280 = 840 at the peak step 4 (0.84 > 0.8), 756 elsewhere (under): the first crossing is step 4.
        var request = Request(
            [NodeOf(0, 1000), NodeOf(1, 1000)],
            [new Spec(0, 280) { PeakStep = 4 }, new Spec(0, 280) { PeakStep = 4 }, new Spec(0, 280) { PeakStep = 4 }, new Spec(1, 50)]);

        var plan = Plan(request);

        var move = plan.Actions.OfType<MoveAction>().Single();
        Assert.That(move.Reason, Does.StartWith("node n0 requests at step 4 (2026-03-02T12:00:00Z): 0.84 × capacity at q0.9 > threshold 0.80"));
    }

    [TestCase(0.8, 303, "0.803 × capacity at q0.9 > threshold 0.80")]
    [TestCase(0.855, 360, "0.860 × capacity at q0.9 > threshold 0.855")]
    public void Plan_MoveReason_WhenTheLoadOrTheThresholdHasMoreThanTwoDecimals_ShowsThemApart(double threshold, double second, string expected)
    {
        // n0 carries 500 + second at the peak step 3. With two fixed decimals a load just over its threshold read "0.80 ×
        // capacity … > threshold 0.80", and a threshold of 0.855 was printed as "0.85", below the load it is exceeded by.
        var request = Request(
            [NodeOf(0, 1000), NodeOf(1, 1000)],
            [new Spec(0, 500), new Spec(0, second), new Spec(1, 50)],
            Constraints() with { DefaultUtilizationThreshold = threshold });

        var move = Plan(request).Actions.OfType<MoveAction>().Single();

        Assert.That(move.Reason, Does.StartWith("node n0 requests at step 3 (2026-03-02T11:00:00Z): " + expected + "; move "));
    }

    [Test]
    public void Plan_StartBy_IsTheBreachMinusTheMoveDuration()
    {
        var request = Request(
            [NodeOf(0, 1000), NodeOf(1, 1000)],
            [new Spec(0, 280, 3_000_000_000) { PeakStep = 4 }, new Spec(0, 280, 3_000_000_000) { PeakStep = 4 }, new Spec(0, 280, 3_000_000_000) { PeakStep = 4 }, new Spec(1, 50)],
            Constraints() with { MoveBandwidthBytesPerSecond = 1_000_000 });

        var move = Plan(request).Actions.OfType<MoveAction>().Single();

        // 3 GB at 1 MB/s = 3000 s; the breach is at origin + 4 h.
        Assert.That(move.EstimatedDuration, Is.EqualTo(TimeSpan.FromSeconds(3000)));
        Assert.That(move.Bytes, Is.EqualTo(3_000_000_000));
        Assert.That(move.StartBy, Is.EqualTo(Now + TimeSpan.FromHours(4) - TimeSpan.FromSeconds(3000)));
    }

    [Test]
    public void Plan_StartBy_WhenAlreadyLate_IsNow()
    {
        var request = Overloaded(Constraints() with { MoveBandwidthBytesPerSecond = 1_000 });

        var moves = Plan(request).Actions.OfType<MoveAction>().ToList();

        Assert.That(moves, Is.Not.Empty);
        Assert.That(moves.Select(m => m.StartBy), Is.All.EqualTo(Now));
    }

    [Test]
    public void Plan_ListsSplitsFirstAndMovesAShardOfASplitByItsNewId()
    {
        var specs = new[] { new Spec(0, 960) { Samples = UniformSamples(0, 12) }, new Spec(1, 100), new Spec(2, 100), new Spec(3, 100) };
        var plan = Plan(Request([NodeOf(0, 1000), NodeOf(1, 1000), NodeOf(2, 1000), NodeOf(3, 1000)], specs));

        Assert.That(plan.Actions[0], Is.InstanceOf<SplitAction>());
        var split = (SplitAction)plan.Actions[0];
        var moves = plan.Actions.Skip(1).Cast<MoveAction>().ToList();
        Assert.That(moves, Is.Not.Empty);
        var childMoves = moves.Where(m => split.NewPartitions.Contains(m.Shard)).ToList();
        Assert.That(childMoves, Has.Count.GreaterThanOrEqualTo(2), "two of the three 320-request shards must leave n0");
        Assert.That(moves.Select(m => m.Shard), Has.None.EqualTo(Partition(0)), "the parent no longer exists after the split");
        Assert.That(childMoves.Select(m => m.Bytes), Is.All.InRange(333_333_333L, 333_333_334L), "a third of the parent's bytes each");
        Assert.That(plan.MovedBytes, Is.EqualTo(moves.Sum(m => m.Bytes)));
    }

    [Test]
    public void Plan_MovesAreOrderedByStartBy()
    {
        var plan = Plan(Overloaded());

        var starts = plan.Actions.OfType<MoveAction>().Select(m => m.StartBy).ToList();
        Assert.That(starts, Is.Ordered);
    }

    [Test]
    public void Plan_Summaries_ReportPeakUtilizationAndWhereItIs()
    {
        var plan = Plan(Overloaded());

        Assert.That(plan.Before.MaxUtilization, Is.EqualTo(1.2).Within(1e-9));
        Assert.That(plan.Before.Node, Is.EqualTo(Node(0)));
        Assert.That(plan.Before.Resource, Is.EqualTo(Topology.ResourceKind.Requests));
        Assert.That(plan.Before.Step, Is.EqualTo(3));
        Assert.That(plan.After.MaxUtilization, Is.LessThan(0.8));
    }
}
