using Microsoft.Extensions.Time.Testing;
using PredictiveSharding.Executing;
using PredictiveSharding.Planning;

namespace PredictiveSharding.Hosting.Tests.Fakes;

/// <summary>A <see cref="SlowHostExecutor"/> that also implements the progress overload and reports every step of its move.</summary>
internal sealed class ReportingHostExecutor(FakeTimeProvider time) : SlowHostExecutor(time), IPlanExecutor
{
    Task<PlanExecutionSummary> IPlanExecutor.ExecuteAsync(ShardingPlan plan, IProgress<PlanExecutionProgress>? progress, CancellationToken cancellationToken) =>
        Run(plan, progress);
}
