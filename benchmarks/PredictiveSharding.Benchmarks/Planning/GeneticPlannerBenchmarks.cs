using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using PredictiveSharding.Planning;
using PredictiveSharding.Planning.Genetic;
using PredictiveSharding.Planning.Placement;

namespace PredictiveSharding.Benchmarks.Planning;

/// <summary>
/// Speed and quality of the genetic planner on 1,000 shards × 20 nodes (target: under 1 s) and 10,000 × 100 (target:
/// under 5 s, within 5% of the lower bound), two resources × 12 hourly steps, against the greedy LPT placement alone
/// (the baseline). <c>MoveCost</c> 0 is pure balancing (quality against the lower bound); 0.02 is the default, which
/// trades a little peak for far fewer moved bytes. Run with
/// <c>dotnet run -c Release --project benchmarks/PredictiveSharding.Benchmarks -- --filter '*GeneticPlanner*'</c>.
/// </summary>
[Config(typeof(GeneticPlannerBenchmarkConfig))]
public class GeneticPlannerBenchmarks
{
    private PlanningRequest _request = null!;
    private double _lowerBound;
    private long _allBytes;

    /// <summary>Shards × nodes.</summary>
    [Params("1000x20", "10000x100")]
    public string Size { get; set; } = "1000x20";

    /// <summary>GeneticPlannerOptions.MoveCostWeight.</summary>
    [Params(0.0, 0.02)]
    public double MoveCost { get; set; }

    /// <summary>Builds the instance (seed 1) and its lower bound.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var parts = Size.Split('x');
        _request = GeneticPlannerInstances.Create(int.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture), int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture), seed: 1);
        _lowerBound = GeneticPlannerInstances.LowerBoundUtilization(_request);
        _allBytes = _request.Cluster.Partitions.Sum(p => p.SizeBytes);
    }

    /// <summary>The whole planner with default options (except the move-cost weight and seed 1), placement only (no samples on the instance).</summary>
    [Benchmark]
    public ShardingPlan Genetic()
    {
        var planner = new GeneticShardPlanner(new GeneticPlannerOptions { Seed = 1, MoveCostWeight = MoveCost });
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var plan = planner.PlanAsync(_request, CancellationToken.None).GetAwaiter().GetResult();
        var used = Process.GetCurrentProcess().TotalProcessorTime - cpu;
        GeneticPlannerQualityColumn.Record(GeneticPlannerQualityColumn.CaseKey(nameof(Genetic), Size, MoveCost), plan.After.MaxUtilization / _lowerBound, (double)plan.MovedBytes / _allBytes, used.TotalMilliseconds);
        return plan;
    }

    /// <summary>The baseline: model building plus greedy LPT placement from scratch (it ignores moved bytes).</summary>
    [Benchmark(Baseline = true)]
    public int[] GreedyLpt()
    {
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var model = LoadModel.Build(_request);
        var (problem, _) = PlacementProblemBuilder.Build(model, [], [], new bool[model.Partitions.Length], new GeneticPlannerOptions());
        var genes = GreedyPlacement.Place(problem);
        var used = Process.GetCurrentProcess().TotalProcessorTime - cpu;
        var chromosome = new AssignmentChromosome(problem);
        chromosome.Assign(genes);
        GeneticPlannerQualityColumn.Record(GeneticPlannerQualityColumn.CaseKey(nameof(GreedyLpt), Size, MoveCost), chromosome.NodePeak.Max() * GeneticPlannerInstances.Threshold / _lowerBound, (double)chromosome.MovedBytes / _allBytes, used.TotalMilliseconds);
        return genes;
    }
}
