using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace PredictiveSharding.Benchmarks.Execution;

/// <summary>
/// A short, in-process job for the execution benchmarks: one launch, one warm-up and five measured iterations of one
/// invocation each (a move is a long operation; the cores are shared with other work). In-process so that
/// <see cref="RecordedPercentileColumn"/> can read the samples the benchmarks record.
/// </summary>
public sealed class ExecutionBenchmarkConfig : ManualConfig
{
    /// <summary>Measured iterations per case.</summary>
    public const int Iterations = 5;

    /// <summary>Creates the config with <see cref="Iterations"/> measured iterations.</summary>
    public ExecutionBenchmarkConfig()
        : this(Iterations)
    {
    }

    /// <summary>Creates the config with <paramref name="iterations"/> measured iterations.</summary>
    /// <param name="iterations">Measured iterations per case.</param>
    public ExecutionBenchmarkConfig(int iterations)
    {
        AddJob(Job.Default
            .WithToolchain(InProcessEmitToolchain.Instance)
            .WithLaunchCount(1)
            .WithWarmupCount(1)
            .WithIterationCount(iterations)
            .WithInvocationCount(1)
            .WithUnrollFactor(1)
            .WithId("ShortInProcess"));
        AddColumn(StatisticColumn.Min, StatisticColumn.Max);
    }
}
