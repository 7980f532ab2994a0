using Microsoft.Extensions.Time.Testing;
using PredictiveSharding.Planning.Genetic;
using PredictiveSharding.Planning.Placement;
using PredictiveSharding.TestKit;

namespace PredictiveSharding.Planning.Tests.Genetic;

public sealed class GeneticAlgorithmTests
{
    private static GeneticResult Run(PlacementProblem problem, GeneticPlannerOptions options, TimeProvider? time = null) =>
        new GeneticAlgorithm(problem, options, time ?? new FakeTimeProvider())
            .Run([problem.Current, GreedyPlacement.Place(problem)], CancellationToken.None);

    [Test]
    public void Run_WithSameSeed_GivesSameResultWhateverTheThreadCount()
    {
        var problem = Instances.RandomProblem(150, 8, seed: 21, budget: long.MaxValue, moveCost: 0.02);

        var one = Run(problem, new GeneticPlannerOptions { Seed = 3, MaxGenerations = 15, DegreeOfParallelism = 1 });
        var two = Run(problem, new GeneticPlannerOptions { Seed = 3, MaxGenerations = 15, DegreeOfParallelism = 2 });
        var again = Run(problem, new GeneticPlannerOptions { Seed = 3, MaxGenerations = 15, DegreeOfParallelism = 2 });

        Assert.That(two.Best.Genes, Is.EqualTo(one.Best.Genes));
        Assert.That(again.Best.Genes, Is.EqualTo(one.Best.Genes));
        Assert.That(two.Best.Fitness, Is.EqualTo(one.Best.Fitness));
    }

    [Test]
    public void Run_WithDifferentSeeds_ExploresDifferently()
    {
        var problem = Instances.RandomProblem(150, 8, seed: 22, moveCost: 0.02);

        var a = Run(problem, new GeneticPlannerOptions { Seed = 1, MaxGenerations = 5 });
        var b = Run(problem, new GeneticPlannerOptions { Seed = 2, MaxGenerations = 5 });

        Assert.That(b.Best.Genes, Is.Not.EqualTo(a.Best.Genes));
    }

    [Test]
    public void Run_IsNeverWorseThanItsSeeds()
    {
        var problem = Instances.RandomProblem(100, 6, seed: 23, moveCost: 0.02);
        var current = new AssignmentChromosome(problem);
        current.Assign(problem.Current);
        var greedy = new AssignmentChromosome(problem);
        greedy.Assign(GreedyPlacement.Place(problem));

        var result = Run(problem, new GeneticPlannerOptions { Seed = 4, MaxGenerations = 10 });

        Assert.That(result.Best.Fitness, Is.LessThanOrEqualTo(Math.Min(PlacementFitness.Instance.Evaluate(current), PlacementFitness.Instance.Evaluate(greedy))));
        AssignmentChromosomeTests.AssertConsistent(result.Best);
    }

    [Test]
    public void Run_StopsByStagnationOrGenerations()
    {
        var problem = Instances.RandomProblem(40, 4, seed: 24);

        var result = Run(problem, new GeneticPlannerOptions { Seed = 5, MaxGenerations = 500, StagnationLimit = 5 });

        Assert.That(result.StoppedBy, Is.EqualTo("stagnation"));
        Assert.That(result.Generations, Is.LessThan(500));
    }

    [Test]
    public void Run_WhenTimeBudgetIsUsed_StopsByTimeBudget()
    {
        var problem = Instances.RandomProblem(40, 4, seed: 25);
        var time = new SteppingTimeProvider(TimeSpan.FromMilliseconds(100));

        var result = Run(problem, new GeneticPlannerOptions { Seed = 6, MaxGenerations = 1000, StagnationLimit = 1000, TimeBudget = TimeSpan.FromSeconds(1) }, time);

        Assert.That(result.StoppedBy, Is.EqualTo("time budget"));
        Assert.That(result.Generations, Is.LessThan(15));
    }

    [Test]
    public void Run_CountsTheTimeBudgetFromTheStartItIsGiven()
    {
        // The planner passes the moment before it built the seed placements, so building them is paid from the budget.
        var problem = Instances.RandomProblem(40, 4, seed: 27);
        var time = new FakeTimeProvider();
        var options = new GeneticPlannerOptions { Seed = 6, DegreeOfParallelism = 1, TimeBudget = TimeSpan.FromSeconds(1) };
        var beforeSeeds = time.GetTimestamp();
        time.Advance(TimeSpan.FromSeconds(1));

        var spent = new GeneticAlgorithm(problem, options, time).Run([problem.Current], CancellationToken.None, beforeSeeds);
        var fresh = new GeneticAlgorithm(problem, options, time).Run([problem.Current], CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That((spent.StoppedBy, spent.Generations), Is.EqualTo(("time budget", 0)));
            Assert.That(fresh.StoppedBy, Is.Not.EqualTo("time budget"), "counted from now, the budget is whole");
            Assert.That(fresh.Generations, Is.GreaterThan(0));
        });
        AssignmentChromosomeTests.AssertConsistent(spent.Best);
    }

    [Test]
    public void Run_WhenTheTimeBudgetIsSpentWhileSeeding_StartsNoFurtherLocalSearch()
    {
        // The clock moves a second per read and the budget is a second: it is spent before the first seed's local search.
        var problem = Instances.RandomProblem(40, 4, seed: 25);
        var search = new CountingLocalSearch();
        var algorithm = new GeneticAlgorithm(problem, new GeneticPlannerOptions { Seed = 6, DegreeOfParallelism = 1, TimeBudget = TimeSpan.FromSeconds(1) }, new SteppingTimeProvider(TimeSpan.FromSeconds(1)))
        {
            LocalSearch = search,
        };

        var result = algorithm.Run([problem.Current], CancellationToken.None);

        Assert.That((search.Calls, result.StoppedBy, result.Generations), Is.EqualTo((0, "time budget", 0)));
        AssignmentChromosomeTests.AssertConsistent(result.Best);
    }

    [Test]
    public void Run_WhenTheTimeBudgetIsSpentWhileSeeding_LetsEverySeedsRepairEndQuickly()
    {
        // A seed that moves every shard under a budget of a tenth of the bytes: each copy of it needs thousands of scored
        // returns (seconds on a huge cluster). The clock moves a second per read and the budget is a second, so it is spent
        // before the first repair: every repair of a seed over the budget must be told so, to end by the quickest means.
        var budget = Instances.RandomProblem(400, 8, seed: 28).Bytes.Sum() / 10;
        var problem = Instances.RandomProblem(400, 8, seed: 28, budget: budget);
        var elsewhere = problem.Current.Select(n => (n + 1) % problem.Nodes).ToArray();
        var repair = new CountingRepair();
        var algorithm = new GeneticAlgorithm(problem, new GeneticPlannerOptions { Seed = 6, DegreeOfParallelism = 1, TimeBudget = TimeSpan.FromSeconds(1) }, new SteppingTimeProvider(TimeSpan.FromSeconds(1)))
        {
            Repair = repair,
        };

        var result = algorithm.Run([problem.Current, elsewhere], CancellationToken.None);

        Assert.That(repair.OverBudget, Is.GreaterThanOrEqualTo(12), "every copy of the second seed is over the budget");
        Assert.That((repair.OverBudgetNotStopping, result.StoppedBy, result.Generations), Is.EqualTo((0, "time budget", 0)));
        Assert.That(result.Best.MovedBytes, Is.LessThanOrEqualTo(budget));
        AssignmentChromosomeTests.AssertConsistent(result.Best);
    }

    [Test]
    public void Run_WhenCancelledWhileSeeding_RepairsNoFurtherSeed()
    {
        var problem = Instances.RandomProblem(400, 8, seed: 29, budget: 0);
        var elsewhere = problem.Current.Select(n => (n + 1) % problem.Nodes).ToArray();
        using var cts = new CancellationTokenSource();
        var repair = new CountingRepair(cts.Cancel);
        var algorithm = new GeneticAlgorithm(problem, new GeneticPlannerOptions { Seed = 6, DegreeOfParallelism = 1 }, new FakeTimeProvider())
        {
            Repair = repair,
        };

        Assert.Throws<OperationCanceledException>(() => algorithm.Run([elsewhere], cts.Token));
        Assert.That(repair.OverBudget, Is.EqualTo(1), "the population has 23 more copies of the seed to repair; none is started once cancelled");
    }

    [Test]
    public void Run_WhenCancelledWhileSeeding_StartsNoFurtherLocalSearch()
    {
        var problem = Instances.RandomProblem(40, 4, seed: 26);
        using var cts = new CancellationTokenSource();
        var search = new CountingLocalSearch(cts.Cancel);
        var algorithm = new GeneticAlgorithm(problem, new GeneticPlannerOptions { Seed = 6, DegreeOfParallelism = 1 }, new FakeTimeProvider())
        {
            LocalSearch = search,
        };

        Assert.Throws<OperationCanceledException>(() => algorithm.Run([problem.Current], cts.Token));
        Assert.That(search.Calls, Is.EqualTo(1), "the population has 23 more to search; none is started once cancelled");
    }

    [Test]
    public void Run_WhenCancelledDuringAGeneration_BreedsNoFurtherChild()
    {
        // The token was asked only between generations, so a cancellation that landed as a generation began waited for
        // all its children to be bred, searched and scored: about 3 s a generation on 100,000 shards × 500 nodes.
        // The fitness cancels as it scores the first child (the 24 individuals of the first population come before it).
        var problem = Instances.RandomProblem(40, 4, seed: 26);
        var options = new GeneticPlannerOptions { Seed = 6, DegreeOfParallelism = 1 };
        using var cts = new CancellationTokenSource();
        var fitness = new CountingFitness(options.PopulationSize + 1, cts.Cancel);
        var algorithm = new GeneticAlgorithm(problem, options, new FakeTimeProvider()) { Fitness = fitness };

        Assert.Throws<OperationCanceledException>(() => algorithm.Run([problem.Current], cts.Token));
        Assert.That(fitness.Calls, Is.EqualTo(options.PopulationSize + 1), "the generation has 21 more children; none is bred once cancelled");
    }

    [Test]
    public void Run_WhenCancelled_Throws()
    {
        var problem = Instances.RandomProblem(40, 4, seed: 26);
        using var cts = new CancellationTokenSource();
        cts.Cancel();

        Assert.Throws<OperationCanceledException>(() =>
            new GeneticAlgorithm(problem, new GeneticPlannerOptions(), new FakeTimeProvider()).Run([problem.Current], cts.Token));
    }

    [Test]
    public void Run_OnSmallInstance_GetsWithinOnePercentOfTheLowerBound()
    {
        var problem = Instances.RandomProblem(300, 10, seed: 27);
        var bound = LowerBound.Compute(problem);

        var result = Run(problem, new GeneticPlannerOptions { Seed = 7, MaxGenerations = 60 });

        Assert.That(result.Best.NodePeak.Max() / bound.Value, Is.LessThan(1.01));
    }

    /// <summary>Counts the chromosomes it is handed over the move budget, then repairs them as the GA's repair does.</summary>
    private sealed class CountingRepair(Action? onOverBudget = null) : IRepair
    {
        public int OverBudget { get; private set; }

        /// <summary>Chromosomes over the budget handed over without a stop callback, or with one that does not answer true.</summary>
        public int OverBudgetNotStopping { get; private set; }

        public void Repair(AssignmentChromosome chromosome, ref SplitMix64 random, Func<bool>? stop = null)
        {
            if (chromosome.MovedBytes > chromosome.Problem.MoveBudgetBytes)
            {
                OverBudget++;
                onOverBudget?.Invoke();
                OverBudgetNotStopping += stop is null || !stop() ? 1 : 0;
            }

            MoveBudgetRepair.Instance.Repair(chromosome, ref random, stop);
        }
    }

    /// <summary>The planner's fitness, counting its calls and calling <c>onCall</c> at call number <c>at</c>.</summary>
    private sealed class CountingFitness(int at, Action onCall) : IFitness
    {
        private int _calls;

        public int Calls => Volatile.Read(ref _calls);

        public double Evaluate(AssignmentChromosome chromosome)
        {
            if (Interlocked.Increment(ref _calls) == at)
            {
                onCall();
            }

            return PlacementFitness.Instance.Evaluate(chromosome);
        }
    }

    /// <summary>A local search that changes nothing and counts its calls, calling <c>onCall</c> at each.</summary>
    private sealed class CountingLocalSearch(Action? onCall = null) : ILocalSearch
    {
        public int Calls { get; private set; }

        public void Improve(AssignmentChromosome chromosome, int maxSteps, ref SplitMix64 random, Func<bool>? stop = null)
        {
            Calls++;
            onCall?.Invoke();
        }
    }
}
