using PredictiveSharding.Planning.Genetic;
using PredictiveSharding.Planning.Placement;

namespace PredictiveSharding.Planning.Tests.Genetic;

/// <summary>
/// The copy overhead of a move (GeneticPlannerOptions.MoveOverheadShare) in the placement model. The incremental state and
/// the move delta with an overhead are also checked in <see cref="AssignmentChromosomeTests"/>.
/// </summary>
public sealed class MoveTransientTests
{
    /// <summary>Two nodes, one resource, four steps; shard 0 (load 10, 20, 30, 40 at q0.5; twice that at q0.99) on node 0 and shard 1 (load 5) on node 1.</summary>
    private static PlacementProblem TwoShards(MoveTransient? transient) => new(
        nodes: 2,
        resources: 1,
        steps: 4,
        loadQ: [10, 20, 30, 40, 5, 5, 5, 5],
        load99: [20, 40, 60, 80, 10, 10, 10, 10],
        bytes: [1_000, 1_000],
        current: [0, 1],
        pinned: new bool[2],
        invAllowance: [0.01, 0.01],
        invCapacity: [0.01, 0.01],
        moveBudgetBytes: long.MaxValue,
        moveCostWeight: 0,
        overflowWeight: 10,
        transient: transient);

    [Test]
    public void Assign_WhileAMovedShardCopies_ChargesTheOverheadOnBothEnds_AndAfterwardsOnlyItsLoadOnTheNewNode()
    {
        // Shard 0's copy takes two steps at overhead 0.25: during them the new node carries 1.25 × its load and the old
        // one 0.25 × it (at the planning quantile); from step 2 on the shard weighs its load on the new node only.
        var c = new AssignmentChromosome(TwoShards(new MoveTransient([2, 2], 0.25)));

        c.Assign([1, 1]);

        Assert.Multiple(() =>
        {
            Assert.That(c.NodeLoad[..4], Is.EqualTo(new[] { 2.5, 5, 0, 0 }).Within(1e-12), "the old node during and after the copy");
            Assert.That(c.NodeLoad[4..], Is.EqualTo(new[] { 17.5, 30, 35, 45 }).Within(1e-12), "the new node: shard 1's 5 plus 1.25 × shard 0 during the copy");
            Assert.That(c.NodeLoad99[..4], Is.EqualTo(new[] { 0.0, 0, 0, 0 }).Within(1e-12), "the overflow quantile pays no overhead: the shard is gone");
            Assert.That(c.NodeLoad99[4..], Is.EqualTo(new[] { 30, 50, 70, 90 }).Within(1e-12), "and arrives whole");
            Assert.That(c.NodePeak[1], Is.EqualTo(0.45).Within(1e-12));
        });
    }

    [Test]
    public void Assign_WithoutAMove_IsTheSameWithAndWithoutTheOverhead()
    {
        var with = new AssignmentChromosome(TwoShards(new MoveTransient([4, 4], 0.5)));
        var without = new AssignmentChromosome(TwoShards(null));

        with.Assign([0, 1]);
        without.Assign([0, 1]);

        Assert.That(with.NodeLoad, Is.EqualTo(without.NodeLoad));
    }

    [Test]
    public void Move_OnAndBackHome_RestoresTheLoadsWithoutAMove()
    {
        var c = new AssignmentChromosome(TwoShards(new MoveTransient([3, 1], 0.25)));
        c.Assign([0, 1]);
        var start = c.NodeLoad.ToArray();

        c.Move(0, 1);
        c.Move(1, 0);
        AssignmentChromosomeTests.AssertConsistent(c);
        c.Move(0, 0);
        c.Move(1, 1);

        Assert.That(c.NodeLoad, Is.EqualTo(start).Within(1e-12));
    }

    [Test]
    public void HottestNodeLocalSearch_WithAnOverhead_OnlyImprovesAndKeepsStateConsistent()
    {
        // Its moves and swaps score each node with the shard's own change vector there; a wrong vector would show as a step
        // that worsens the exact objective or as loads that disagree with a recompute.
        var problem = Instances.RandomProblem(120, 6, seed: 33, moveCost: 0.02, moveOverhead: 0.25);
        var c = new AssignmentChromosome(problem);
        c.Assign(new int[problem.Shards]);
        var search = new HottestNodeLocalSearch();
        var random = new SplitMix64(5);
        var before = PlacementFitness.Instance.Evaluate(c);
        for (var i = 0; i < 60; i++)
        {
            search.Improve(c, 1, ref random);
            var after = PlacementFitness.Instance.Evaluate(c);
            Assert.That(after, Is.LessThanOrEqualTo(before + 1e-9), $"step {i}");
            before = after;
        }

        Assert.That(c.MovedCount, Is.GreaterThan(0), "the search made moves");
        AssignmentChromosomeTests.AssertConsistent(c);
    }
}
