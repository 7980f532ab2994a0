using Microsoft.Extensions.Time.Testing;
using PredictiveSharding.Planning.Genetic;
using PredictiveSharding.Planning.Placement;
using PredictiveSharding.TestKit;

namespace PredictiveSharding.Planning.Tests.Genetic;

/// <summary>
/// The ruin-and-recreate step after the GA (<see cref="MovedSetRebuild"/>) and its randomised search
/// (<see cref="SpreadDescent"/>). Its quality against CP-SAT's proven optima is in the OR-Tools tests' OptimalityGapTests.
/// </summary>
public sealed class MovedSetRebuildTests
{
    private static readonly ILocalSearch[] Searches = [new SpreadDescent(3, 3), new SpreadDescent(2, 2), new SpreadDescent(1, 3), new SpreadDescent(4, 4)];

    /// <summary>
    /// Two nodes of allowance 100, one resource, one step: node 0 holds shards of load 60 and 30 (peak 0.9), node 1 of
    /// 50 and 10 (0.6). Every single move leaves the peak at 0.9 or above; swapping 60 for 50 (or 30 for 10) makes it 0.8.
    /// </summary>
    private static PlacementProblem OnlyASwapHelps(long budget) => new(
        nodes: 2,
        resources: 1,
        steps: 1,
        loadQ: [60, 30, 50, 10],
        load99: [60, 30, 50, 10],
        bytes: [100, 100, 100, 100],
        current: [0, 0, 1, 1],
        pinned: new bool[4],
        invAllowance: [0.01, 0.01],
        invCapacity: [0.008, 0.008],
        moveBudgetBytes: budget,
        moveCostWeight: 0,
        overflowWeight: 10);

    private static AssignmentChromosome Placed(PlacementProblem problem, int[] genes)
    {
        var c = new AssignmentChromosome(problem);
        c.Assign(genes);
        PlacementFitness.Instance.Evaluate(c);
        return c;
    }

    private static PlacementProblem WithPinned(PlacementProblem p, bool[] pinned) =>
        new(p.Nodes, p.Resources, p.Steps, p.LoadQ, p.Load99, p.Bytes, p.Current, pinned, p.InvAllowance, p.InvCapacity, p.MoveBudgetBytes, 0, 10);

    [Test]
    public void SpreadDescent_WhereOnlyASwapLowersThePeak_Swaps()
    {
        var problem = OnlyASwapHelps(long.MaxValue);
        var c = Placed(problem, problem.Current);
        var random = new SplitMix64(1);

        new SpreadDescent(sources: 2, choices: 1).Improve(c, 10, ref random);
        PlacementFitness.Instance.Evaluate(c);

        Assert.That(c.NodePeak.Max(), Is.EqualTo(0.8).Within(1e-12));
        Assert.That(c.MovedCount, Is.EqualTo(2), "one swap");
        AssignmentChromosomeTests.AssertConsistent(c);
    }

    [Test]
    public void SpreadDescent_WhenTheBudgetCannotPayForASwap_LeavesThePlacementAlone()
    {
        // A swap moves 200 bytes; 199 pays for one move, and no single move lowers the peak.
        var problem = OnlyASwapHelps(199);
        var c = Placed(problem, problem.Current);
        var random = new SplitMix64(1);

        new SpreadDescent(sources: 2, choices: 1).Improve(c, 10, ref random);

        Assert.That(c.Genes, Is.EqualTo(problem.Current));
    }

    [TestCase(1)]
    [TestCase(2)]
    [TestCase(3)]
    public void Improve_UnderABindingBudget_NeverWorsensTheIncumbent_AndKeepsBudgetCountAndPins(int seed)
    {
        var random = Instances.RandomProblem(80, 8, seed, budget: 0, hotShards: 3);
        var totalBytes = random.Bytes.Sum();
        var pinned = new bool[random.Shards];
        for (var s = 0; s < pinned.Length; s += 7)
        {
            pinned[s] = true;
        }

        var problem = WithPinned(random, pinned);
        var budgeted = new PlacementProblem(problem.Nodes, problem.Resources, problem.Steps, problem.LoadQ, problem.Load99, problem.Bytes, problem.Current, pinned, problem.InvAllowance, problem.InvCapacity, totalBytes / 12, 0, 10) { MaxMoves = 9 };
        var result = new GeneticAlgorithm(budgeted, new GeneticPlannerOptions { Seed = seed, MaxGenerations = 3 }, new FakeTimeProvider())
            .Run([budgeted.Current, GreedyPlacement.Place(budgeted)], CancellationToken.None);
        var incumbent = new AssignmentChromosome(budgeted);
        incumbent.CopyFrom(result.Best);
        var before = incumbent.Fitness;

        new MovedSetRebuild(Searches, new HottestNodeLocalSearch(), PlacementFitness.Instance, 48, 30)
            .Improve(incumbent, seed, new ParallelOptions { MaxDegreeOfParallelism = 2 }, () => false);

        Assert.Multiple(() =>
        {
            Assert.That(incumbent.Fitness, Is.LessThanOrEqualTo(before));
            Assert.That(PlacementFitness.Instance.Evaluate(incumbent), Is.EqualTo(incumbent.Fitness).Within(1e-9), "the kept fitness is the placement's");
            Assert.That(incumbent.MovedBytes, Is.LessThanOrEqualTo(budgeted.MoveBudgetBytes));
            Assert.That(incumbent.MovedCount, Is.LessThanOrEqualTo(9));
            for (var s = 0; s < pinned.Length; s++)
            {
                if (pinned[s])
                {
                    Assert.That(incumbent.Genes[s], Is.EqualTo(budgeted.Current[s]), $"pinned shard {s}");
                }
            }
        });
        AssignmentChromosomeTests.AssertConsistent(incumbent);
    }

    [Test]
    public void Improve_IsTheSameWhateverTheThreadCount()
    {
        var problem = Instances.RandomProblem(80, 8, 7, budget: 0, hotShards: 3);
        var budgeted = new PlacementProblem(problem.Nodes, problem.Resources, problem.Steps, problem.LoadQ, problem.Load99, problem.Bytes, problem.Current, problem.Pinned, problem.InvAllowance, problem.InvCapacity, problem.Bytes.Sum() / 10, 0, 10);
        int[] Rebuilt(int threads)
        {
            var c = Placed(budgeted, budgeted.Current);
            var seedRandom = new SplitMix64(3);
            new HottestNodeLocalSearch().Improve(c, 40, ref seedRandom);
            PlacementFitness.Instance.Evaluate(c);
            new MovedSetRebuild(Searches, new HottestNodeLocalSearch(), PlacementFitness.Instance, 48, 30)
                .Improve(c, 5, new ParallelOptions { MaxDegreeOfParallelism = threads }, () => false);
            return [.. c.Genes];
        }

        var one = Rebuilt(1);
        Assert.That(one, Is.Not.EqualTo(budgeted.Current), "the search moved something");
        Assert.That(Rebuilt(2), Is.EqualTo(one));
    }

    [Test]
    public void Improve_WhenTold_ToStop_RunsNoRound_AndLeavesTheIncumbent()
    {
        var problem = OnlyASwapHelps(long.MaxValue);
        var c = Placed(problem, [0, 1, 1, 0]);
        var genes = c.Genes.ToArray();

        var rounds = new MovedSetRebuild(Searches, new HottestNodeLocalSearch(), PlacementFitness.Instance, 48, 30)
            .Improve(c, 1, new ParallelOptions(), () => true);

        Assert.That(rounds, Is.Zero);
        Assert.That(c.Genes, Is.EqualTo(genes));
    }

    [Test]
    public void Run_RebuildsOnlyWhereTheMoveBudgetCanBind_AndWhenSwitchedOn()
    {
        var free = Instances.RandomProblem(60, 6, 9, budget: long.MaxValue, hotShards: 2);
        var bound = new PlacementProblem(free.Nodes, free.Resources, free.Steps, free.LoadQ, free.Load99, free.Bytes, free.Current, free.Pinned, free.InvAllowance, free.InvCapacity, free.Bytes.Sum() / 15, 0, 10);
        var options = new GeneticPlannerOptions { Seed = 2, MaxGenerations = 5 };

        var unbudgeted = new GeneticAlgorithm(free, options, new FakeTimeProvider()).Run([free.Current, GreedyPlacement.Place(free)], CancellationToken.None);
        var budgeted = new GeneticAlgorithm(bound, options, new FakeTimeProvider()).Run([bound.Current, GreedyPlacement.Place(bound)], CancellationToken.None);
        options.RebuildMovedSet = false;
        var switchedOff = new GeneticAlgorithm(bound, options, new FakeTimeProvider()).Run([bound.Current, GreedyPlacement.Place(bound)], CancellationToken.None);

        Assert.That(unbudgeted.RebuildRounds, Is.Zero);
        Assert.That(budgeted.RebuildRounds, Is.GreaterThan(0));
        Assert.That(switchedOff.RebuildRounds, Is.Zero);
        Assert.That(budgeted.Best.Fitness, Is.LessThanOrEqualTo(switchedOff.Best.Fitness), "the rebuild starts from the search's best");
        Assert.That(budgeted.Best.MovedBytes, Is.LessThanOrEqualTo(bound.MoveBudgetBytes));
    }

    [TestCase(int.MaxValue)]
    [TestCase((1 << 30) + 1)]
    public void Run_WithAStagnationLimitWhoseDoubleIsPastAnInt_StillRebuilds(int stagnationLimit)
    {
        // The rebuild's patience is twice the stagnation limit; doubled in an int, a limit past 2^30 (a host's "never stop
        // by stagnation") wrapped round to a negative patience and the rebuild ran no round at all. The clock moves a
        // little at each read, so the time budget ends what stagnation no longer does.
        var free = Instances.RandomProblem(60, 6, 9, budget: long.MaxValue, hotShards: 2);
        var bound = new PlacementProblem(free.Nodes, free.Resources, free.Steps, free.LoadQ, free.Load99, free.Bytes, free.Current, free.Pinned, free.InvAllowance, free.InvCapacity, free.Bytes.Sum() / 15, 0, 10);
        var options = new GeneticPlannerOptions { Seed = 2, MaxGenerations = 5, StagnationLimit = stagnationLimit, DegreeOfParallelism = 1, TimeBudget = TimeSpan.FromMilliseconds(300) };

        var result = new GeneticAlgorithm(bound, options, new SteppingTimeProvider(TimeSpan.FromMilliseconds(1))).Run([bound.Current, GreedyPlacement.Place(bound)], CancellationToken.None);

        Assert.That(result.Generations, Is.EqualTo(5), "the search itself ends by generations");
        Assert.That(result.RebuildRounds, Is.GreaterThan(0));
    }
}
