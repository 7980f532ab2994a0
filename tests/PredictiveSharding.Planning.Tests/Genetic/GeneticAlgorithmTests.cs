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
}
