using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace PredictiveSharding.Benchmarks.Planning;

/// <summary>
/// A short, in-process job for the genetic planner: one launch, one warm-up and three measured iterations of one plan
/// each (a plan takes up to seconds, and the cores are shared). In-process so <see cref="GeneticPlannerQualityColumn"/>
/// can read the quality the benchmarks record.
/// </summary>
public sealed class GeneticPlannerBenchmarkConfig : ManualConfig
{
    /// <summary>Creates the config.</summary>
    public GeneticPlannerBenchmarkConfig()
    {
        AddJob(Job.Default
            .WithToolchain(InProcessEmitToolchain.Instance)
            .WithLaunchCount(1)
            .WithWarmupCount(1)
            .WithIterationCount(3)
            .WithInvocationCount(1)
            .WithUnrollFactor(1)
            .WithId("ShortInProcess"));
        AddColumn(StatisticColumn.Min, StatisticColumn.Max);
        AddColumn(new GeneticPlannerQualityColumn(GeneticPlannerQualityColumn.Measure.PeakOverLowerBound));
        AddColumn(new GeneticPlannerQualityColumn(GeneticPlannerQualityColumn.Measure.MovedShare));
        AddColumn(new GeneticPlannerQualityColumn(GeneticPlannerQualityColumn.Measure.CpuMilliseconds));
    }
}
