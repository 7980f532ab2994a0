using PredictiveSharding.Planning.Genetic;
using PredictiveSharding.Planning.Placement;

namespace PredictiveSharding.Planning.Tests.Placement;

public sealed class PlacementTests
{
    /// <summary>One resource, one step, equal nodes of allowance 1 (capacity 1.25, threshold 0.8).</summary>
    private static PlacementProblem Simple(double[] loads, int nodes, int[]? current = null, bool[]? pinned = null, long budget = long.MaxValue, double moveCost = 0)
    {
        var invAllow = Enumerable.Repeat(1.0, nodes).ToArray();
        var invCap = Enumerable.Repeat(0.8, nodes).ToArray();
        return new PlacementProblem(nodes, 1, 1, loads, [.. loads], [.. loads.Select(_ => 100L)], current ?? new int[loads.Length], pinned ?? new bool[loads.Length], invAllow, invCap, budget, moveCost, 10);
    }

    [Test]
    public void LowerBound_IsTheLargerOfAverageAndHeaviestShard()
    {
        Assert.That(LowerBound.Compute(Simple([0.5, 0.5, 0.5, 0.5], 2)).Value, Is.EqualTo(1.0).Within(1e-12));
        var bound = LowerBound.Compute(Simple([1.5, 0.1, 0.1], 3));
        Assert.That(bound.Aggregate, Is.EqualTo(1.7 / 3).Within(1e-12));
        Assert.That(bound.Indivisible, Is.EqualTo(1.5).Within(1e-12));
        Assert.That(bound.Value, Is.EqualTo(1.5).Within(1e-12));
    }

    [Test]
    public void LowerBound_UsesTheBestNodeForTheHeaviestShard()
    {
        // Node 1 is twice as large: the heavy shard's best peak is 1.2 / 2.
        var problem = new PlacementProblem(2, 1, 1, [1.2, 0.1], [1.2, 0.1], [1, 1], [0, 0], [false, false], [1.0, 0.5], [0.8, 0.4], long.MaxValue, 0, 10);

        Assert.That(LowerBound.Compute(problem).Indivisible, Is.EqualTo(0.6).Within(1e-12));
    }

    [TestCase(300, 12, 2, 6, 1)]
    [TestCase(500, 25, 3, 24, 2)]
    [TestCase(64, 64, 1, 4, 3)]
    public void LowerBound_Indivisible_IsTheSameAsTheFullPassOverNodesAndSteps(int shards, int nodes, int resources, int steps, int seed)
    {
        // The bound takes each resource's highest step once per shard and tries each size of node once; the definition
        // is the least, over nodes, of the shard's peak over every step there.
        var problem = Instances.RandomProblem(shards, nodes, seed, resources, steps, hotShards: 3);
        double expected = 0;
        for (var s = 0; s < shards; s++)
        {
            var best = double.PositiveInfinity;
            for (var n = 0; n < nodes; n++)
            {
                double peak = 0;
                for (var d = 0; d < problem.Dimensions; d++)
                {
                    peak = Math.Max(peak, problem.LoadQ[(s * problem.Dimensions) + d] * problem.InvAllowance[(n * resources) + (d / steps)]);
                }

                best = Math.Min(best, peak);
            }

            expected = Math.Max(expected, best);
        }

        Assert.That(LowerBound.Compute(problem).Indivisible, Is.EqualTo(expected));
    }

    [Test]
    public void FillsAllowance_MarksTheShardsThatReachEveryNodesAllowanceAlone()
    {
        // Node 1 is twice as large (allowance 2, against node 0's 1). Shard 0 reaches both; shard 1 only node 0's; shard 2
        // exactly node 1's, as a load capped at the largest node's allowance does (within rounding); shard 3 neither.
        var problem = new PlacementProblem(2, 1, 1, [2.5, 1.5, 2 - 1e-12, 0.3], [2.5, 1.5, 2, 0.3], [1, 1, 1, 1], [0, 0, 1, 1], new bool[4], [1.0, 0.5], [0.8, 0.4], long.MaxValue, 0, 10);

        Assert.Multiple(() =>
        {
            Assert.That(problem.FillsAllowance, Is.EqualTo(new[] { true, false, true, false }));
            Assert.That(problem.HasFillers, Is.True);
            Assert.That(Simple([0.5, 0.9], 2).HasFillers, Is.False);
        });
    }

    [Test]
    public void Breach_WeighsANodeHoldingAFillingShardByBothWeights()
    {
        var problem = new PlacementProblem(1, 1, 1, [1.2], [1.2], [1], [0], [false], [1.0], [0.8], long.MaxValue, 0, 10) { BreachSumWeight = 0.5, IsolationWeight = 2 };

        Assert.Multiple(() =>
        {
            Assert.That(problem.Breach(1.2, holdsFiller: true), Is.EqualTo(2.5 * 0.2).Within(1e-12));
            Assert.That(problem.Breach(1.2, holdsFiller: false), Is.EqualTo(0.5 * 0.2).Within(1e-12));
            Assert.That(problem.Breach(0.9, holdsFiller: true), Is.Zero, "under the threshold nothing is charged");
            Assert.That(problem.CountsBreaches, Is.True);
            Assert.That(new PlacementProblem(1, 1, 1, [0.5], [0.5], [1], [0], [false], [1.0], [0.8], long.MaxValue, 0, 10) { IsolationWeight = 2 }.CountsBreaches, Is.False, "no shard fills a node, so the weight has nothing to weigh");
        });
    }

    [Test]
    public void GreedyPlacement_BalancesEqualShards()
    {
        var problem = Simple([.. Enumerable.Repeat(0.25, 12)], 3);

        var genes = GreedyPlacement.Place(problem);

        Assert.That(Enumerable.Range(0, 3).Select(n => genes.Count(g => g == n)), Is.All.EqualTo(4));
    }

    [Test]
    public void GreedyPlacement_LeavesPinnedShardsWhereTheyAre()
    {
        var pinned = new[] { true, true, false, false };
        var problem = Simple([0.6, 0.6, 0.3, 0.3], 2, current: [0, 0, 0, 0], pinned: pinned);

        var genes = GreedyPlacement.Place(problem);

        Assert.That(genes[0], Is.Zero);
        Assert.That(genes[1], Is.Zero);
        Assert.That(genes[2], Is.EqualTo(1));
        Assert.That(genes[3], Is.EqualTo(1));
    }

    [Test]
    public void DrainPlacement_MovesOnlyFromNodesAboveTheTargetAndLowersThePeak()
    {
        // Node 0 holds 1.3, node 1 holds 0.1, node 2 holds 0.6: only node 0 is above the lower bound 2.0 / 3.
        var problem = Simple([0.4, 0.4, 0.4, 0.1, 0.1, 0.6], 3, current: [0, 0, 0, 0, 1, 2]);
        var bound = LowerBound.Compute(problem).Value;

        var genes = DrainPlacement.Place(problem, bound * 0.98, bound);

        Assert.That(genes[4], Is.EqualTo(1));
        Assert.That(genes[5], Is.EqualTo(2));
        var moved = Enumerable.Range(0, 6).Where(s => genes[s] != problem.Current[s]).ToList();
        Assert.That(moved, Is.Not.Empty.And.All.LessThan(4), "only node 0's shards move");
        var c = new AssignmentChromosome(problem);
        c.Assign(genes);
        Assert.That(c.NodePeak.Max(), Is.LessThan(1.3));
        Assert.That(moved, Has.Count.LessThanOrEqualTo(2));
    }

    [Test]
    public void GreedyAndDrainPlacement_WhenCancelled_Throw()
    {
        // On a huge cluster each takes seconds (100,000 shards × 500 nodes: about 4 s apiece), before the GA asks the token.
        var problem = Instances.RandomProblem(2000, 20, seed: 31);
        var bound = LowerBound.Compute(problem).Value;
        using var cts = new CancellationTokenSource();
        cts.Cancel();

        Assert.Throws<OperationCanceledException>(() => GreedyPlacement.Place(problem, cts.Token));
        Assert.Throws<OperationCanceledException>(() => DrainPlacement.Place(problem, bound * 0.98, bound, cts.Token));
        Assert.That(GreedyPlacement.Place(problem, CancellationToken.None), Is.EqualTo(GreedyPlacement.Place(problem)));
    }

    [TestCase(300, 12, 2, 6, 0, 1)]
    [TestCase(500, 25, 3, 24, 5, 2)]
    [TestCase(2000, 40, 1, 12, 8, 3)]
    [TestCase(64, 64, 2, 4, 0, 4)]
    public void GreedyAndDrainPlacement_SkippingNodesByTheirPeak_ChangeNoChoice(int shards, int nodes, int resources, int steps, int hot, int seed)
    {
        // The skip is a speed-up only (on 100,000 shards × 500 nodes × 72 steps it takes the greedy seed from about 14 s
        // to under 2): every node it skips has a peak with the shard no better than the best found, so the genes must be
        // the same as from the full pass over every node. Nodes of two sizes and hot shards make near-ties likely.
        var problem = Instances.RandomProblem(shards, nodes, seed, resources, steps, hotShards: hot);
        var bound = LowerBound.Compute(problem).Value;
        Assume.That(problem.LoadsNonNegative, Is.True);

        var greedy = GreedyPlacement.Place(problem, pruneByPeak: true, CancellationToken.None);
        var drained = DrainPlacement.Place(problem, bound * 0.98, bound, pruneByPeak: true, CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(greedy, Is.EqualTo(GreedyPlacement.Place(problem, pruneByPeak: false, CancellationToken.None)));
            Assert.That(drained, Is.EqualTo(DrainPlacement.Place(problem, bound * 0.98, bound, pruneByPeak: false, CancellationToken.None)));
            Assert.That(drained, Is.Not.EqualTo(problem.Current), "the drain moved something, so its placement pass ran");
        });
    }

    [Test]
    public void MovePruner_SendsHomeMovesThatBuyNothing()
    {
        // Node 0 would hold 1.2: moving shard 0 (0.6) off is needed; moving shard 2 (0.1) off node 1 buys nothing.
        var problem = Simple([0.6, 0.6, 0.1], 3, current: [0, 0, 1], moveCost: 0.01);
        var c = new AssignmentChromosome(problem);
        c.Assign([2, 0, 2]);

        var dropped = MovePruner.Prune(c);

        Assert.That(dropped, Is.EqualTo(1));
        Assert.That(c.Genes, Is.EqualTo(new[] { 2, 0, 1 }));
        Assert.That(c.NodePeak.Max(), Is.EqualTo(0.6).Within(1e-12));
    }

    [Test]
    public void Locality_CostIsLowerInTheClientsRegion()
    {
        var problem = new PlacementProblem(2, 1, 1, [0.5, 0.5], [0.5, 0.5], [1, 1], [0, 0], [false, false], [1.0, 1.0], [0.8, 0.8], long.MaxValue, 0, 10, localityCost: [0.0, 0.05, 0.05, 0.0], nodeRegion: [0, 1], regions: 2);

        Assert.That(problem.Locality(0, 0), Is.LessThan(problem.Locality(0, 1)));
        Assert.That(problem.Locality(1, 1), Is.LessThan(problem.Locality(1, 0)));
    }
}
