using PredictiveSharding.Executing;
using PredictiveSharding.Planning;

namespace PredictiveSharding.Hosting.Tests.Fakes;

/// <summary>An executor that rolls back every action of a plan (a target it cannot reach) while <see cref="Failing"/> is set, and otherwise reports every action completed without doing anything.</summary>
internal sealed class SwitchableFailingExecutor : IPlanExecutor
{
    public bool Failing { get; set; } = true;

    public int Plans { get; private set; }

    public Task<PlanExecutionSummary> ExecuteAsync(ShardingPlan plan, CancellationToken cancellationToken)
    {
        Plans++;
        return Task.FromResult(Failing
            ? new PlanExecutionSummary(0, plan.Actions.Count, 0, [.. plan.Actions.Select(_ => "rolled back: target unreachable")])
            : new PlanExecutionSummary(plan.Actions.Count, 0, 0, []));
    }
}
