using PredictiveSharding.Execution;
using PredictiveSharding.Execution.Reporting;
using PredictiveSharding.Planning;
using PredictiveSharding.Topology;

namespace PredictiveSharding.Benchmarks.Execution;

/// <summary>Plans and checks shared by the execution benchmarks.</summary>
public static class ExecutionBenchmarkPlans
{
    private static readonly UtilizationSummary NoForecast = new(0, new NodeId("none"), ResourceKind.Requests, 0);

    /// <summary>A plan that moves <see cref="ExecutionBenchmarkStore.Moving"/> to the node that does not own it now.</summary>
    public static ShardingPlan MoveToOtherNode(ExecutionBenchmarkStore store)
    {
        ArgumentNullException.ThrowIfNull(store);
        var from = store.MovingOwner;
        var to = from == ExecutionBenchmarkStore.Source ? ExecutionBenchmarkStore.Target : ExecutionBenchmarkStore.Source;
        var move = new MoveAction(ExecutionBenchmarkStore.Moving, from, to, store.MovingBytes, DateTimeOffset.UnixEpoch, TimeSpan.Zero, "benchmark move");
        return new ShardingPlan(true, [move], NoForecast, NoForecast, move.Bytes, TimeSpan.Zero);
    }

    /// <summary>Executes the plan and throws unless every action completed (a benchmark of a failed move measures nothing).</summary>
    public static async Task<ExecutionReport> ExecuteAndCheckAsync(ShardingExecutor executor, ShardingPlan plan, IProgress<ExecutionProgress>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(executor);
        var report = await executor.ExecuteAsync(plan, progress).ConfigureAwait(false);
        if (!report.AllCompleted)
        {
            var failed = report.Actions.First(a => a.Outcome != ActionOutcome.Completed);
            throw new InvalidOperationException($"Benchmark move {failed.ActionId} ended {failed.Outcome} after copying {failed.KeysCopied} keys ({failed.BytesCopied} bytes) and applying {failed.ChangesApplied} changes: {failed.Error?.Message}", failed.Error);
        }

        return report;
    }
}
