using Microsoft.Extensions.Time.Testing;
using PredictiveSharding.Planning.Genetic;
using PredictiveSharding.Planning.Placement;

namespace PredictiveSharding.Planning.Tests.Genetic;

/// <summary>
/// What the isolation weight (GeneticPlannerOptions.IsolationWeight) changes in a plan. Two shards each fill a node's
/// allowance alone (A on node 0, B on node 1); a small shard s sits beside A. B's node sets the worst peak wherever s
/// is, so without the weight moving s gains nothing and costs a move; with it, s's load on A's node is charged twice
/// its share of the breach, and the plan moves s to the third node.
/// </summary>
public sealed class IsolationWeightTests
{
    private const int FillerA = 0, Small = 1, FillerB = 2, Quiet = 3;

    [TestCase(1)]
    [TestCase(2)]
    [TestCase(3)]
    public void Run_WithoutTheWeight_LeavesTheSmallShardBesideTheFiller(int seed)
    {
        var result = Run(isolationWeight: 0, seed);

        Assert.That(result.Best.Genes, Is.EqualTo(new[] { 0, 0, 1, 2 }));
    }

    [TestCase(1)]
    [TestCase(2)]
    [TestCase(3)]
    public void Run_WithTheWeight_MovesTheSmallShardOffTheFillersNode(int seed)
    {
        var result = Run(isolationWeight: 2, seed);

        Assert.Multiple(() =>
        {
            Assert.That(result.Best.Genes[Small], Is.EqualTo(2), "beside the quiet shard, the only node without a filler");
            Assert.That(result.Best.Genes[FillerA], Is.EqualTo(0), "fillers stay: moving one only makes a worse peak");
            Assert.That(result.Best.Genes[FillerB], Is.EqualTo(1));
            Assert.That(result.Best.Genes[Quiet], Is.EqualTo(2));
        });
    }

    [Test]
    public void Evaluate_ChargesTheMoveLessThanTheBreachItSavesOnlyWithTheWeight()
    {
        // The arithmetic the two tests above rest on: peaks are load / 0.8; moving s costs 0.4 × 1/4 of the bytes = 0.1.
        var stayWithout = Fitness(0, [0, 0, 1, 2]);
        var movedWithout = Fitness(0, [0, 2, 1, 2]);
        var stayWith = Fitness(2, [0, 0, 1, 2]);
        var movedWith = Fitness(2, [0, 2, 1, 2]);

        Assert.Multiple(() =>
        {
            Assert.That(movedWithout - stayWithout, Is.EqualTo(0.1).Within(1e-9), "the same worst peak (B's 1.625), one move more");
            Assert.That(movedWith - stayWith, Is.EqualTo(0.1 - (2 * (1.625 - 1.5))).Within(1e-9), "A's node breach 2 × 0.625 → 2 × 0.5");
        });
    }

    private static GeneticResult Run(double isolationWeight, int seed)
    {
        var problem = Problem(isolationWeight);
        return new GeneticAlgorithm(problem, new GeneticPlannerOptions { Seed = seed, DegreeOfParallelism = 1, MaxGenerations = 40 }, new FakeTimeProvider())
            .Run([problem.Current, GreedyPlacement.Place(problem)], CancellationToken.None);
    }

    private static double Fitness(double isolationWeight, int[] genes)
    {
        var c = new AssignmentChromosome(Problem(isolationWeight));
        c.Assign(genes);
        return PlacementFitness.Instance.Evaluate(c);
    }

    /// <summary>
    /// Three nodes with an allowance of 0.8 and a capacity of 10 (so no overflow); one step, one resource; loads A 1.2,
    /// s 0.1, B 1.3, quiet 0.2; one byte each; move cost weight 0.4 (0.1 per shard moved), no breach-sum weight.
    /// </summary>
    private static PlacementProblem Problem(double isolationWeight)
    {
        double[] load = [1.2, 0.1, 1.3, 0.2];
        return new PlacementProblem(
            nodes: 3,
            resources: 1,
            steps: 1,
            loadQ: load,
            load99: load,
            bytes: [1, 1, 1, 1],
            current: [0, 0, 1, 2],
            pinned: new bool[4],
            invAllowance: [1 / 0.8, 1 / 0.8, 1 / 0.8],
            invCapacity: [0.1, 0.1, 0.1],
            moveBudgetBytes: long.MaxValue,
            moveCostWeight: 0.4,
            overflowWeight: 10)
        {
            IsolationWeight = isolationWeight,
        };
    }
}
