using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Order;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace PredictiveSharding.Benchmarks.Planning;

/// <summary>
/// A short, in-process job for the optimality-gap comparison: one launch, no warm-up, two measured plans per case
/// (a CP-SAT plan takes up to its time limit, and the cores are shared). In-process so <see cref="OptimalityGapColumn"/>
/// can read what the benchmarks record.
/// </summary>
public sealed class OptimalityGapBenchmarkConfig : ManualConfig
{
    /// <summary>Creates the config.</summary>
    public OptimalityGapBenchmarkConfig()
    {
        AddJob(Job.Default
            .WithToolchain(InProcessEmitToolchain.Instance)
            .WithLaunchCount(1)
            .WithWarmupCount(0)
            .WithIterationCount(2)
            .WithInvocationCount(1)
            .WithUnrollFactor(1)
            .WithId("OptimalityGap"));
        WithOrderer(new DefaultOrderer(SummaryOrderPolicy.Declared));
        foreach (var measure in Enum.GetValues<OptimalityGapColumn.Measure>())
        {
            AddColumn(new OptimalityGapColumn(measure));
        }
    }
}
