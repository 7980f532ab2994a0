using System.Diagnostics;
using System.Globalization;
using BenchmarkDotNet.Attributes;
using PredictiveSharding.Planning;
using PredictiveSharding.Planning.OrTools;

namespace PredictiveSharding.Benchmarks.Planning;

/// <summary>
/// The genetic planner against the exact CP-SAT planner (issue 4's quality target: within 2% where CP-SAT proves
/// optimality), placement only, on <see cref="OptimalityGapInstances"/> (seed 1, 3 resources × 4 hourly steps,
/// integral loads on capacities of 1,000 so CP-SAT's model is exact, unlimited move budget, no move-cost term):
/// 200 × 10, where CP-SAT can prove optimality, and 1,000 × 20 under the same (deterministic) time limit. Columns: peak, gap to CP-SAT's
/// plan and to its proven lower bound, whether it proved optimality, CPU time. Run with
/// <c>dotnet run -c Release --project benchmarks/PredictiveSharding.Benchmarks -- --filter '*OptimalityGap*'</c>.
/// </summary>
[Config(typeof(OptimalityGapBenchmarkConfig))]
public class OptimalityGapBenchmarks
{
    private PlanningRequest _request = null!;

    /// <summary>Shards × nodes.</summary>
    [Params("200x10", "1000x20")]
    public string Size { get; set; } = "200x10";

    /// <summary>Builds the instance.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var parts = Size.Split('x');
        _request = OptimalityGapInstances.Create(
            int.Parse(parts[0], CultureInfo.InvariantCulture),
            int.Parse(parts[1], CultureInfo.InvariantCulture),
            resources: 3,
            steps: 4,
            seed: 1,
            integralCapacity: 1000);
    }

    /// <summary>
    /// The genetic planner with its default options except: seed 1, no splits (placement only), no move-cost term, and
    /// rebalancing even when no node crosses a threshold (as CP-SAT is asked to).
    /// </summary>
    [Benchmark]
    public ShardingPlan Genetic()
    {
        var planner = new GeneticShardPlanner(new GeneticPlannerOptions { Seed = 1, EnableSplits = false, RebalanceUnderThresholds = true, MoveCostWeight = 0 });
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var plan = planner.PlanAsync(_request, CancellationToken.None).GetAwaiter().GetResult();
        var used = Process.GetCurrentProcess().TotalProcessorTime - cpu;
        OptimalityGapColumn.Record(nameof(Genetic), Size, plan.After.MaxUtilization, double.NaN, null, used.TotalMilliseconds);
        return plan;
    }

    /// <summary>
    /// CP-SAT, one worker, limited by 10 s of CP-SAT's deterministic time rather than the wall clock, so the result
    /// does not depend on how busy the shared machine is (a 120 s wall-clock limit is only a safety net).
    /// </summary>
    [Benchmark]
    public ShardingPlan CpSat()
    {
        var planner = new CpSatShardPlanner(new CpSatPlannerOptions
        {
            Workers = 1,
            RebalanceUnderThresholds = true,
            DeterministicTimeLimit = 10,
            TimeLimit = TimeSpan.FromSeconds(120),
        });
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var result = planner.PlanDetailedAsync(_request, CancellationToken.None).GetAwaiter().GetResult();
        var used = Process.GetCurrentProcess().TotalProcessorTime - cpu;

        // The bound is on peak / threshold (plus an overflow penalty that is 0 on these instances); every resource's threshold is the default.
        var bound = result.ObjectiveBound * _request.Constraints.DefaultUtilizationThreshold;
        OptimalityGapColumn.Record(nameof(CpSat), Size, result.Plan.After.MaxUtilization, bound, result.ProvenOptimal, used.TotalMilliseconds);
        return result.Plan;
    }
}
