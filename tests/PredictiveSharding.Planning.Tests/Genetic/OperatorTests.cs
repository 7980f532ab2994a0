using PredictiveSharding.Planning.Genetic;
using PredictiveSharding.Planning.Placement;

namespace PredictiveSharding.Planning.Tests.Genetic;

public sealed class OperatorTests
{
    private static AssignmentChromosome Chromosome(PlacementProblem problem, int[] genes)
    {
        var c = new AssignmentChromosome(problem);
        c.Assign(genes);
        PlacementFitness.Instance.Evaluate(c);
        return c;
    }

    private static int[] RandomGenes(PlacementProblem problem, ulong seed)
    {
        var random = new SplitMix64(seed);
        return [.. Enumerable.Range(0, problem.Shards).Select(_ => random.Next(problem.Nodes))];
    }

    [Test]
    public void UniformCrossover_TakesEveryGeneFromAParentAndKeepsStateConsistent()
    {
        var problem = Instances.RandomProblem(200, 6, seed: 11);
        var a = Chromosome(problem, RandomGenes(problem, 1));
        var b = Chromosome(problem, RandomGenes(problem, 2));
        var child = new AssignmentChromosome(problem);
        var random = new SplitMix64(3);

        UniformCrossover.Instance.Cross(a, b, child, ref random);

        for (var s = 0; s < problem.Shards; s++)
        {
            Assert.That(child.Genes[s], Is.EqualTo(a.Genes[s]).Or.EqualTo(b.Genes[s]));
        }

        Assert.That(Enumerable.Range(0, problem.Shards).Count(s => child.Genes[s] != a.Genes[s]), Is.GreaterThan(20), "about half the differing genes come from b");
        AssignmentChromosomeTests.AssertConsistent(child);
    }

    [Test]
    public void OnePointCrossover_TakesAPrefixFromTheFirstParentAndTheRestFromTheSecond()
    {
        var problem = Instances.RandomProblem(50, 4, seed: 12);
        var a = Chromosome(problem, [.. Enumerable.Repeat(0, 50)]);
        var b = Chromosome(problem, [.. Enumerable.Repeat(1, 50)]);
        var child = new AssignmentChromosome(problem);
        var random = new SplitMix64(4);

        OnePointCrossover.Instance.Cross(a, b, child, ref random);

        var cut = Array.IndexOf(child.Genes, 1);
        Assert.That(cut, Is.GreaterThan(0));
        Assert.That(child.Genes.Take(cut), Is.All.EqualTo(0));
        Assert.That(child.Genes.Skip(cut), Is.All.EqualTo(1));
        AssignmentChromosomeTests.AssertConsistent(child);
    }

    [Test]
    public void MoveAwareMutation_WhenAlwaysReturning_SendsAMovedShardHome()
    {
        var problem = Instances.RandomProblem(30, 5, seed: 13);
        var away = problem.Current.Select(n => (n + 1) % 5).ToArray();
        var mutation = new MoveAwareMutation(maxGenes: 1, returnProbability: 1);
        for (ulong seed = 0; seed < 20; seed++)
        {
            var c = Chromosome(problem, away);
            var random = new SplitMix64(seed);

            mutation.Mutate(c, ref random);

            var moved = Enumerable.Range(0, 30).Where(s => c.Genes[s] != away[s]).ToList();
            Assert.That(moved, Has.Count.EqualTo(1));
            Assert.That(c.Genes[moved[0]], Is.EqualTo(problem.Current[moved[0]]), "it went home");
            AssignmentChromosomeTests.AssertConsistent(c);
        }
    }

    [Test]
    public void MoveAwareMutation_WhenNeverReturning_MovesAShardToAnotherNode()
    {
        var problem = Instances.RandomProblem(30, 5, seed: 13);
        var mutation = new MoveAwareMutation(maxGenes: 1, returnProbability: 0);
        var c = Chromosome(problem, problem.Current);
        var random = new SplitMix64(3);

        mutation.Mutate(c, ref random);

        Assert.That(Enumerable.Range(0, 30).Count(s => c.Genes[s] != problem.Current[s]), Is.EqualTo(1));
    }

    [Test]
    public void Mutations_NeverMovePinnedShards()
    {
        var baseProblem = Instances.RandomProblem(20, 4, seed: 14);
        var pinned = Enumerable.Range(0, 20).Select(s => s % 2 == 0).ToArray();
        var problem = new PlacementProblem(4, baseProblem.Resources, baseProblem.Steps, baseProblem.LoadQ, baseProblem.Load99, baseProblem.Bytes, baseProblem.Current, pinned, baseProblem.InvAllowance, baseProblem.InvCapacity, long.MaxValue, 0, 10);
        var c = Chromosome(problem, problem.Current);
        var mutation = new CompositeMutation(new MoveAwareMutation(), SwapMutation.Instance);
        var random = new SplitMix64(6);

        for (var i = 0; i < 300; i++)
        {
            mutation.Mutate(c, ref random);
        }

        for (var s = 0; s < 20; s += 2)
        {
            Assert.That(c.Genes[s], Is.EqualTo(problem.Current[s]), $"pinned shard {s}");
        }

        Assert.That(Enumerable.Range(0, 20).Any(s => c.Genes[s] != problem.Current[s]), Is.True);
    }

    [Test]
    public void SwapMutation_KeepsShardCountPerNode()
    {
        var problem = Instances.RandomProblem(40, 4, seed: 15);
        var c = Chromosome(problem, problem.Current);
        var counts = Enumerable.Range(0, 4).Select(n => c.Genes.Count(g => g == n)).ToArray();
        var random = new SplitMix64(7);

        for (var i = 0; i < 50; i++)
        {
            SwapMutation.Instance.Mutate(c, ref random);
        }

        Assert.That(Enumerable.Range(0, 4).Select(n => c.Genes.Count(g => g == n)), Is.EqualTo(counts));
        Assert.That(c.Genes, Is.Not.EqualTo(problem.Current));
    }

    [Test]
    public void MoveBudgetRepair_BringsMovedBytesWithinTheBudget()
    {
        var baseProblem = Instances.RandomProblem(100, 5, seed: 16);
        var budget = baseProblem.TotalBytes / 10;
        var problem = new PlacementProblem(5, baseProblem.Resources, baseProblem.Steps, baseProblem.LoadQ, baseProblem.Load99, baseProblem.Bytes, baseProblem.Current, new bool[100], baseProblem.InvAllowance, baseProblem.InvCapacity, budget, 0, 10);
        var c = Chromosome(problem, RandomGenes(problem, 8));
        Assert.That(c.MovedBytes, Is.GreaterThan(budget));
        var random = new SplitMix64(8);

        MoveBudgetRepair.Instance.Repair(c, ref random);

        Assert.That(c.MovedBytes, Is.LessThanOrEqualTo(budget));
        AssignmentChromosomeTests.AssertConsistent(c);
    }

    [Test]
    public void MoveBudgetRepair_WhenToldToStop_StillKeepsTheBudget_AndAsksOnlyEveryFewReturns()
    {
        var baseProblem = Instances.RandomProblem(400, 5, seed: 16);
        var budget = baseProblem.TotalBytes / 10;
        var problem = new PlacementProblem(5, baseProblem.Resources, baseProblem.Steps, baseProblem.LoadQ, baseProblem.Load99, baseProblem.Bytes, baseProblem.Current, new bool[400], baseProblem.InvAllowance, baseProblem.InvCapacity, budget, 0, 10);
        var genes = RandomGenes(problem, 8);
        var stopped = Chromosome(problem, genes);
        var unstopped = Chromosome(problem, genes);
        var asked = 0;
        var random = new SplitMix64(8);
        var again = new SplitMix64(8);

        MoveBudgetRepair.Instance.Repair(stopped, ref random, () => ++asked > 0);
        MoveBudgetRepair.Instance.Repair(unstopped, ref again, () => false);
        var plain = Chromosome(problem, genes);
        var third = new SplitMix64(8);
        MoveBudgetRepair.Instance.Repair(plain, ref third);

        Assert.That(stopped.MovedBytes, Is.LessThanOrEqualTo(budget));
        Assert.That(asked, Is.EqualTo(1), "asked once, after the first few scored returns; the rest went home unscored");
        Assert.That(unstopped.Genes, Is.EqualTo(plain.Genes), "a stop that never answers true changes nothing");
        AssignmentChromosomeTests.AssertConsistent(stopped);
    }

    [Test]
    public void MoveBudgetRepair_WhenBudgetIsZero_ReturnsEveryShardHome()
    {
        var baseProblem = Instances.RandomProblem(30, 3, seed: 17);
        var problem = new PlacementProblem(3, baseProblem.Resources, baseProblem.Steps, baseProblem.LoadQ, baseProblem.Load99, baseProblem.Bytes, baseProblem.Current, new bool[30], baseProblem.InvAllowance, baseProblem.InvCapacity, 0, 0, 10);
        var c = Chromosome(problem, RandomGenes(problem, 9));
        var random = new SplitMix64(9);

        MoveBudgetRepair.Instance.Repair(c, ref random);

        Assert.That(c.Genes, Is.EqualTo(problem.Current));
    }

    [Test]
    public void HottestNodeLocalSearch_LowersThePeakAndRespectsTheBudget()
    {
        var baseProblem = Instances.RandomProblem(120, 6, seed: 18);
        var budget = baseProblem.TotalBytes / 5;
        var problem = new PlacementProblem(6, baseProblem.Resources, baseProblem.Steps, baseProblem.LoadQ, baseProblem.Load99, baseProblem.Bytes, new int[120], new bool[120], baseProblem.InvAllowance, baseProblem.InvCapacity, budget, 0.02, 10);
        var c = Chromosome(problem, problem.Current);
        var before = c.NodePeak.Max();
        var random = new SplitMix64(10);

        new HottestNodeLocalSearch().Improve(c, 200, ref random);

        Assert.That(c.NodePeak.Max(), Is.LessThan(before * 0.9));
        Assert.That(c.MovedBytes, Is.LessThanOrEqualTo(budget));
        AssignmentChromosomeTests.AssertConsistent(c);
    }

    [Test]
    public void HottestNodeLocalSearch_WhenToldToStop_EndsWithinOneCheckInterval()
    {
        // Every shard starts on node 0, so hundreds of improving steps are there to take.
        var baseProblem = Instances.RandomProblem(400, 8, seed: 18);
        var problem = new PlacementProblem(8, baseProblem.Resources, baseProblem.Steps, baseProblem.LoadQ, baseProblem.Load99, baseProblem.Bytes, new int[400], new bool[400], baseProblem.InvAllowance, baseProblem.InvCapacity, long.MaxValue, 0.02, 10);
        var whole = Chromosome(problem, problem.Current);
        var stopped = Chromosome(problem, problem.Current);
        var random = new SplitMix64(10);
        var again = new SplitMix64(10);
        var asked = 0;

        new HottestNodeLocalSearch().Improve(whole, 1000, ref random);
        new HottestNodeLocalSearch().Improve(stopped, 1000, ref again, () => ++asked > 0);

        Assert.That(whole.MovedCount, Is.GreaterThan(2 * HottestNodeLocalSearch.StopCheckSteps), "without a stop the search runs on");
        Assert.That(asked, Is.EqualTo(1));
        Assert.That(stopped.MovedCount, Is.InRange(1, 2 * HottestNodeLocalSearch.StopCheckSteps), "a step moves one shard or swaps two");
        AssignmentChromosomeTests.AssertConsistent(stopped);
    }

    [Test]
    public void MoveBudgetRepair_WhenMoreShardsMoveThanMaxMoves_KeepsOnlyThatMany()
    {
        var baseProblem = Instances.RandomProblem(60, 4, seed: 21);
        var problem = new PlacementProblem(4, baseProblem.Resources, baseProblem.Steps, baseProblem.LoadQ, baseProblem.Load99, baseProblem.Bytes, baseProblem.Current, new bool[60], baseProblem.InvAllowance, baseProblem.InvCapacity, long.MaxValue, 0, 10)
        {
            MaxMoves = 3,
        };
        var c = Chromosome(problem, RandomGenes(problem, 11));
        Assert.That(c.MovedCount, Is.GreaterThan(3));
        var random = new SplitMix64(11);

        MoveBudgetRepair.Instance.Repair(c, ref random);

        Assert.That(c.MovedCount, Is.EqualTo(3), "only the excess goes home");
        AssignmentChromosomeTests.AssertConsistent(c);
    }

    [Test]
    public void HottestNodeLocalSearch_NeverMovesMoreShardsThanMaxMoves()
    {
        var baseProblem = Instances.RandomProblem(120, 6, seed: 18);
        var problem = new PlacementProblem(6, baseProblem.Resources, baseProblem.Steps, baseProblem.LoadQ, baseProblem.Load99, baseProblem.Bytes, new int[120], new bool[120], baseProblem.InvAllowance, baseProblem.InvCapacity, long.MaxValue, 0.02, 10)
        {
            MaxMoves = 2,
        };
        var c = Chromosome(problem, problem.Current);
        var before = c.NodePeak.Max();
        var random = new SplitMix64(10);

        new HottestNodeLocalSearch().Improve(c, 200, ref random);

        Assert.That(c.MovedCount, Is.InRange(1, 2));
        Assert.That(c.NodePeak.Max(), Is.LessThan(before), "the moves it made still lower the peak");
        AssignmentChromosomeTests.AssertConsistent(c);
    }

    [Test]
    public void HottestNodeLocalSearch_RelievesCapacityOverflowBeforeThePeak()
    {
        // Node 0 is the hottest at the planning quantile (0.9) but within capacity at q0.99; node 1 is cooler (0.8)
        // but its wide tails overflow capacity at q0.99 (1.4 × 0.8 = 1.12).
        double[] loadQ = [0.45, 0.45, 0.4, 0.4, 0.1];
        double[] load99 = [0.5, 0.5, 0.7, 0.7, 0.1];
        var problem = new PlacementProblem(3, 1, 1, loadQ, load99, [1, 1, 1, 1, 1], [0, 0, 1, 1, 2], new bool[5], [1.0, 1.0, 1.0], [0.8, 0.8, 0.8], long.MaxValue, 0, 10);
        var c = Chromosome(problem, problem.Current);
        Assert.That(c.NodeOverflow[1], Is.GreaterThan(0));
        var random = new SplitMix64(12);

        new HottestNodeLocalSearch().Improve(c, 1, ref random);

        Assert.That(c.NodeOverflow.Max(), Is.Zero, "the one step went to the overflowing node");
        Assert.That(c.Genes[2] == 2 || c.Genes[3] == 2, Is.True);
        AssignmentChromosomeTests.AssertConsistent(c);
    }

    [Test]
    public void TournamentSelection_FavoursFitterIndividuals()
    {
        var problem = Instances.RandomProblem(4, 2, seed: 19);
        var population = Enumerable.Range(0, 3).Select(_ => new AssignmentChromosome(problem)).ToArray();
        population[0].Fitness = 3;
        population[1].Fitness = 1;
        population[2].Fitness = 2;
        var selection = new TournamentSelection(3);
        var random = new SplitMix64(11);
        var counts = new int[3];

        for (var i = 0; i < 3000; i++)
        {
            counts[selection.Select(population, ref random)]++;
        }

        Assert.That(counts[1], Is.GreaterThan(counts[2]));
        Assert.That(counts[2], Is.GreaterThan(counts[0]));
        Assert.That(counts[0], Is.LessThan(3000 / 20), "the worst wins only when drawn three times (1/27)");
    }

    [Test]
    public void ElitistReinsertion_KeepsTheElitesAndSortsByFitness()
    {
        var problem = Instances.RandomProblem(4, 2, seed: 20);
        AssignmentChromosome Make(double fitness) => new(problem) { Fitness = fitness };
        var population = new[] { Make(1), Make(2), Make(5), Make(6) };
        var children = new[] { Make(4), Make(0.5) };
        var elite0 = population[0];
        var elite1 = population[1];

        new ElitistReinsertion(2).Reinsert(population, children);

        Assert.That(population.Select(c => c.Fitness), Is.EqualTo(new[] { 0.5, 1, 2, 4 }));
        Assert.That(population, Does.Contain(elite0).And.Contain(elite1));
        Assert.That(children.Select(c => c.Fitness), Is.EquivalentTo(new[] { 5.0, 6 }), "dropped chromosomes come back for reuse");
    }

    [Test]
    public void Terminations_StopWhenTheirLimitIsReached()
    {
        var state = new GeneticState(10, 3, TimeSpan.FromMilliseconds(900), 1);
        Assert.That(new GenerationTermination(10).HasReached(state), Is.True);
        Assert.That(new GenerationTermination(11).HasReached(state), Is.False);
        Assert.That(new StagnationTermination(3).HasReached(state), Is.True);
        Assert.That(new StagnationTermination(4).HasReached(state), Is.False);
        Assert.That(new TimeBudgetTermination(TimeSpan.FromSeconds(1)).HasReached(state), Is.False);
        var any = new AnyTermination(new GenerationTermination(100), new TimeBudgetTermination(TimeSpan.FromMilliseconds(500)));
        Assert.That(any.HasReached(state), Is.True);
        Assert.That(any.Name, Is.EqualTo("time budget"));
    }

    [Test]
    public void SplitMix64_SameSeedGivesSameStreamAndStaysInRange()
    {
        var a = SplitMix64.ForStream(5, 3, 2);
        var b = SplitMix64.ForStream(5, 3, 2);
        var c = SplitMix64.ForStream(5, 3, 1);
        var same = Enumerable.Range(0, 100).All(_ => a.NextUInt64() == b.NextUInt64());
        var differs = Enumerable.Range(0, 100).Any(_ => a.NextUInt64() != c.NextUInt64());
        var random = new SplitMix64(1);
        var values = Enumerable.Range(0, 1000).Select(_ => random.Next(7)).ToArray();

        Assert.That(same, Is.True);
        Assert.That(differs, Is.True);
        Assert.That(values, Is.All.InRange(0, 6));
        Assert.That(values.Distinct().Count(), Is.EqualTo(7));
    }
}
