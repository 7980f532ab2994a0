using BenchmarkDotNet.Attributes;
using PredictiveSharding.Planning;
using PredictiveSharding.Planning.Placement;

namespace PredictiveSharding.Benchmarks.Planning;

/// <summary>
/// The genetic planner's two seed placements (LPT greedy and the move-aware drain) on a large cluster, with the nodes
/// that <c>PeakBound</c> rules out skipped (as shipped) against the full pass over every node's steps per shard (the
/// baseline). Both give the same genes (a test checks it); the ratio is the skip's saving. 50,000 partitions × 500 nodes,
/// two resources × 12 steps, from <see cref="GeneticPlannerInstances"/>. Run with
/// <c>dotnet run -c Release --project benchmarks/PredictiveSharding.Benchmarks -- --filter '*SeedPlacement*'</c>.
/// </summary>
[InProcess]
[WarmupCount(2)]
[IterationCount(8)]
[MinColumn, MaxColumn]
public class SeedPlacementBenchmarks
{
    private PlacementProblem _problem = null!;
    private double _bound;

    /// <summary>Builds the instance (seed 1) as the planner does, without splits.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var request = GeneticPlannerInstances.Create(50_000, 500, seed: 1);
        var model = LoadModel.Build(request);
        (_problem, _) = PlacementProblemBuilder.Build(model, [], [], new bool[model.Partitions.Length], new GeneticPlannerOptions());
        _bound = LowerBound.Compute(_problem).Value;
    }

    /// <summary>The baseline: both seeds with a full pass over every node per shard placed.</summary>
    [Benchmark(Baseline = true)]
    public int FullPass() => Seeds(pruneByPeak: false);

    /// <summary>Both seeds as the planner builds them.</summary>
    [Benchmark]
    public int SkippingByPeak() => Seeds(pruneByPeak: true);

    private int Seeds(bool pruneByPeak)
    {
        var drained = DrainPlacement.Place(_problem, _bound * 0.98, _bound, pruneByPeak, CancellationToken.None);
        var greedy = GreedyPlacement.Place(_problem, pruneByPeak, CancellationToken.None);
        return drained[^1] + greedy[^1];
    }
}
