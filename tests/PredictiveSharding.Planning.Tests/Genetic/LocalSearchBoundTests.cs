using PredictiveSharding.Planning.Genetic;
using PredictiveSharding.Planning.Placement;

namespace PredictiveSharding.Planning.Tests.Genetic;

/// <summary>
/// The hottest-node local search skips a candidate move whose lower-bound score cannot beat the best found so far, when
/// every load is non-negative. The bound must be a true lower bound in floating point, so the search takes exactly the
/// moves it takes without it.
/// </summary>
public sealed class LocalSearchBoundTests
{
    [TestCase(41, 0.0, 0.0)]
    [TestCase(42, 0.02, 0.0)]
    [TestCase(43, 0.02, 0.25)]
    [TestCase(44, 0.5, 0.0)]
    [TestCase(45, 2.0, 0.5)]
    public void Improve_WithTheBound_TakesExactlyTheMovesItTakesWithout(int seed, double moveCost, double moveOverhead)
    {
        var bounded = Instances.RandomProblem(150, 7, seed, moveCost: moveCost, moveOverhead: moveOverhead);
        var exhaustive = Instances.RandomProblem(150, 7, seed, moveCost: moveCost, moveOverhead: moveOverhead);
        exhaustive.LoadsNonNegative = false;
        Assert.That(bounded.LoadsNonNegative, Is.True, "forecast loads are never negative");

        var (withBound, withoutBound) = (Search(bounded), Search(exhaustive));

        Assert.Multiple(() =>
        {
            Assert.That(withBound.Genes, Is.EqualTo(withoutBound.Genes));
            Assert.That(withBound.Fitness, Is.EqualTo(withoutBound.Fitness));
            Assert.That(withBound.MovedCount, Is.GreaterThan(0), "the search moved shards");
        });
        AssignmentChromosomeTests.AssertConsistent(withBound);
    }

    [Test]
    public void LoadsNonNegative_IsFalseWhenAnyLoadIsNegativeOrNaN()
    {
        Assert.Multiple(() =>
        {
            Assert.That(Problem(loadQ: [1, 2], load99: [2, 3]).LoadsNonNegative, Is.True);
            Assert.That(Problem(loadQ: [1, -0.5], load99: [2, 3]).LoadsNonNegative, Is.False, "a negative planning-quantile load");
            Assert.That(Problem(loadQ: [1, 2], load99: [double.NaN, 3]).LoadsNonNegative, Is.False, "NaN at the overflow quantile");
        });
    }

    /// <summary>Starts every shard on node 0 (so the hottest node is far over) and searches 300 steps from the same seed.</summary>
    private static AssignmentChromosome Search(PlacementProblem problem)
    {
        var c = new AssignmentChromosome(problem);
        c.Assign(new int[problem.Shards]);
        var random = new SplitMix64(9);
        new HottestNodeLocalSearch().Improve(c, 300, ref random);
        PlacementFitness.Instance.Evaluate(c);
        return c;
    }

    private static PlacementProblem Problem(double[] loadQ, double[] load99) => new(
        nodes: 2,
        resources: 1,
        steps: 1,
        loadQ: loadQ,
        load99: load99,
        bytes: [1, 1],
        current: [0, 1],
        pinned: new bool[2],
        invAllowance: [1, 1],
        invCapacity: [1, 1],
        moveBudgetBytes: long.MaxValue,
        moveCostWeight: 0,
        overflowWeight: 10);
}
