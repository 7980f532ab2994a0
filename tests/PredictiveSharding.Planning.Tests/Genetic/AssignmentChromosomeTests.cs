using PredictiveSharding.Planning.Genetic;

namespace PredictiveSharding.Planning.Tests.Genetic;

public sealed class AssignmentChromosomeTests
{
    internal static void AssertConsistent(AssignmentChromosome c)
    {
        var fresh = new AssignmentChromosome(c.Problem);
        fresh.Assign(c.Genes);
        Assert.That(c.NodeLoad, Is.EqualTo(fresh.NodeLoad).Within(1e-6));
        Assert.That(c.NodeLoad99, Is.EqualTo(fresh.NodeLoad99).Within(1e-6));
        Assert.That(c.NodePeak, Is.EqualTo(fresh.NodePeak).Within(1e-9));
        Assert.That(c.NodeOverflow, Is.EqualTo(fresh.NodeOverflow).Within(1e-9));
        Assert.That(c.MovedBytes, Is.EqualTo(fresh.MovedBytes));
        Assert.That(c.MovedCount, Is.EqualTo(fresh.MovedCount));
        Assert.That(c.MovedCount, Is.EqualTo(c.Genes.Where((g, s) => g != c.Problem.Current[s]).Count()));
        Assert.That(c.LocalityCost, Is.EqualTo(fresh.LocalityCost).Within(1e-9));
        for (var n = 0; n < c.Problem.Nodes; n++)
        {
            var listed = new List<int>();
            for (var s = c.FirstOnNode(n); s >= 0 && listed.Count <= c.Problem.Shards; s = c.NextOnNode(s))
            {
                listed.Add(s);
            }

            var expected = Enumerable.Range(0, c.Problem.Shards).Where(s => c.Genes[s] == n);
            Assert.That(listed, Is.EquivalentTo(expected), $"shards listed on node {n}");
            Assert.That(c.CountOnNode(n), Is.EqualTo(listed.Count));
            Assert.That(c.HoldsFiller(n), Is.EqualTo(listed.Any(s => c.Problem.FillsAllowance[s])), $"node {n} holds a shard that fills an allowance");
            Assert.That(c.HoldsFiller(n), Is.EqualTo(fresh.HoldsFiller(n)));
        }
    }

    [TestCase(0.0, 0)]
    [TestCase(0.3, 0)]
    [TestCase(0.0, 4)]
    public void Move_KeepsDerivedStateEqualToAFullRecompute(double moveOverhead, int hotShards)
    {
        // With a move overhead (GeneticPlannerOptions.MoveOverheadShare) a moved shard weighs on both its ends; with hot
        // shards, which nodes hold one that fills an allowance changes as they move.
        var problem = Instances.RandomProblem(60, 5, seed: 3, moveOverhead: moveOverhead, hotShards: hotShards);
        Assert.That(problem.FillsAllowance.Count(f => f), Is.EqualTo(hotShards));
        Assert.That(problem.HasMoveTransient, Is.EqualTo(moveOverhead > 0));
        var c = new AssignmentChromosome(problem);
        c.Assign(problem.Current);
        var random = new SplitMix64(9);
        for (var i = 0; i < 500; i++)
        {
            c.Move(random.Next(problem.Shards), random.Next(problem.Nodes));
        }

        AssertConsistent(c);
    }

    [Test]
    public void MovedBytes_CountsOnlyShardsAwayFromTheirCurrentNode()
    {
        var problem = Instances.RandomProblem(10, 3, seed: 1);
        var c = new AssignmentChromosome(problem);
        c.Assign(problem.Current);
        var shard = 4;
        var away = (problem.Current[shard] + 1) % 3;

        c.Move(shard, away);
        Assert.That(c.MovedBytes, Is.EqualTo(problem.Bytes[shard]));
        c.Move(shard, (away + 1) % 3 == problem.Current[shard] ? (away + 2) % 3 : (away + 1) % 3);
        Assert.That(c.MovedBytes, Is.EqualTo(problem.Bytes[shard]), "moving it on again still moves it once");
        c.Move(shard, problem.Current[shard]);
        Assert.That(c.MovedBytes, Is.Zero);
    }

    [TestCase(0.0, 0, 0.0, 0.0)]
    [TestCase(0.25, 0, 0.0, 0.0)]
    [TestCase(0.0, 3, 2.0, 0.0)]
    [TestCase(0.25, 3, 2.0, 0.0)]
    [TestCase(0.0, 0, 0.0, 0.03)]
    [TestCase(0.25, 3, 2.0, 0.03)]
    [TestCase(0.0, 3, 0.0, 0.0, 0.05)]
    [TestCase(0.25, 3, 2.0, 0.03, 1.0)]
    public void MoveDelta_EqualsTheFitnessChangeOfTheMove(double moveOverhead, int hotShards, double isolationWeight, double perMoveCost, double overflowSpreadWeight = 0)
    {
        var problem = Instances.RandomProblem(40, 4, seed: 5, moveCost: 0.05, moveOverhead: moveOverhead, hotShards: hotShards, isolationWeight: isolationWeight, perMoveCost: perMoveCost, overflowSpreadWeight: overflowSpreadWeight);
        var c = new AssignmentChromosome(problem);
        c.Assign(problem.Current);
        var before = PlacementFitness.Instance.Evaluate(c);
        var random = new SplitMix64(2);
        for (var i = 0; i < 50; i++)
        {
            var s = random.Next(problem.Shards);
            var to = random.Next(problem.Nodes);
            var index = PeakIndex.Build(c.NodePeak);
            var delta = PlacementFitness.MoveDelta(c, s, to, index, out _, out _);
            c.Move(s, to);
            var after = PlacementFitness.Instance.Evaluate(c);
            Assert.That(after - before, Is.EqualTo(delta).Within(1e-9));
            before = after;
        }
    }

    [Test]
    public void HotShardsOnANode_WithAnIsolationWeight_ChargeItsBreachOnlyWhileItHoldsOne()
    {
        // Shard 0 fills any node alone. Its node's breach costs the isolation weight × the breach, on top of the worst
        // peak; once shard 0 leaves, that node's breach (if any) costs nothing beyond the worst peak, and its new node pays.
        var problem = Instances.RandomProblem(12, 3, seed: 7, hotShards: 1, isolationWeight: 2);
        var c = new AssignmentChromosome(problem);
        c.Assign(problem.Current);
        var home = c.Genes[0];
        var away = (home + 1) % problem.Nodes;
        var without = Instances.RandomProblem(12, 3, seed: 7, hotShards: 1);
        var plain = new AssignmentChromosome(without);
        plain.Assign(without.Current);

        var charged = PlacementFitness.Instance.Evaluate(c) - PlacementFitness.Instance.Evaluate(plain);
        var homePeak = c.NodePeak[home];
        c.Move(0, away);
        plain.Move(0, away);
        var chargedAway = PlacementFitness.Instance.Evaluate(c) - PlacementFitness.Instance.Evaluate(plain);

        Assert.Multiple(() =>
        {
            Assert.That(homePeak, Is.GreaterThan(1), "the hot shard's node is over its threshold");
            Assert.That(charged, Is.EqualTo(2 * (homePeak - 1)).Within(1e-9), "charged where it is");
            Assert.That(chargedAway, Is.EqualTo(2 * (c.NodePeak[away] - 1)).Within(1e-9), "charged where it went");
            Assert.That(c.HoldsFiller(home), Is.False);
            Assert.That(c.HoldsFiller(away), Is.True);
        });
    }
}
