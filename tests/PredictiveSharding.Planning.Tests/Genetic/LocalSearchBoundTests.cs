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
    [TestCase(41, 0.0, 0.0, 0)]
    [TestCase(42, 0.02, 0.0, 0)]
    [TestCase(43, 0.02, 0.25, 0)]
    [TestCase(44, 0.5, 0.0, 0)]
    [TestCase(45, 2.0, 0.5, 0)]
    [TestCase(46, 2.0, 0.0, 3)]
    [TestCase(47, 0.5, 0.25, 3)]
    [TestCase(48, 0.5, 0.0, 0, 0.01)]
    [TestCase(49, 2.0, 0.25, 3, 0.02)]
    [TestCase(50, 2.0, 0.0, 3, 0.0, 0.05)]
    [TestCase(53, 0.5, 0.25, 3, 0.01, 1.0)]
    public void Improve_WithTheBound_TakesExactlyTheMovesItTakesWithout(int seed, double moveCost, double moveOverhead, int hotShards, double perMoveCost = 0, double overflowSpreadWeight = 0)
    {
        // With hot shards (each fills any node alone) their nodes' breaches carry an isolation weight of 2.
        var isolation = hotShards > 0 ? 2.0 : 0.0;
        var bounded = Instances.RandomProblem(150, 7, seed, moveCost: moveCost, moveOverhead: moveOverhead, hotShards: hotShards, isolationWeight: isolation, perMoveCost: perMoveCost, overflowSpreadWeight: overflowSpreadWeight);
        var exhaustive = Instances.RandomProblem(150, 7, seed, moveCost: moveCost, moveOverhead: moveOverhead, hotShards: hotShards, isolationWeight: isolation, perMoveCost: perMoveCost, overflowSpreadWeight: overflowSpreadWeight);
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

    [TestCase(51, 0)]
    [TestCase(52, 3)]
    public void Improve_WithAnIsolationWeight_NeverRaisesTheFitnessAtAnyStep(int seed, int hotShards)
    {
        // Every step (move or swap) is taken only if its exact score improves the objective, isolation weight included.
        var problem = Instances.RandomProblem(80, 6, seed, moveCost: 0.5, hotShards: hotShards, isolationWeight: 2);
        var c = new AssignmentChromosome(problem);
        c.Assign(new int[problem.Shards]);
        var random = new SplitMix64(3);
        var fitness = PlacementFitness.Instance.Evaluate(c);
        var steps = 0;
        for (var i = 0; i < 200; i++)
        {
            var genes = (int[])c.Genes.Clone();
            new HottestNodeLocalSearch().Improve(c, 1, ref random);
            if (genes.SequenceEqual(c.Genes))
            {
                break;
            }

            var next = PlacementFitness.Instance.Evaluate(c);
            Assert.That(next, Is.LessThan(fitness + 1e-12), $"step {i}");
            fitness = next;
            steps++;
        }

        Assert.That(steps, Is.GreaterThan(10), "the search took steps");
        AssignmentChromosomeTests.AssertConsistent(c);
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
