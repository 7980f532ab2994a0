using Microsoft.Extensions.Time.Testing;
using PredictiveSharding.Executing;
using PredictiveSharding.Planning;

namespace PredictiveSharding.Hosting.Tests.Fakes;

/// <summary>
/// A host's own executor whose one move takes <see cref="Steps"/> steps of <see cref="Step"/> each on a fake clock,
/// calling <see cref="AfterStep"/> after each. This one implements only the overload without progress, as an executor
/// written before the progress overload would, so the interface's default implementation serves the control loop.
/// </summary>
internal class SlowHostExecutor(FakeTimeProvider time) : IPlanExecutor
{
    public int Steps { get; init; } = 5;

    public TimeSpan Step { get; init; } = TimeSpan.FromMinutes(1);

    public Action<int>? AfterStep { get; set; }

    public List<PlanExecutionProgress> Reported { get; } = [];

    public Task<PlanExecutionSummary> ExecuteAsync(ShardingPlan plan, CancellationToken cancellationToken) => Run(plan, null);

    protected Task<PlanExecutionSummary> Run(ShardingPlan plan, IProgress<PlanExecutionProgress>? progress)
    {
        var move = plan.Actions.OfType<MoveAction>().Single();
        for (var step = 1; step <= Steps; step++)
        {
            time.Advance(Step);
            var report = new PlanExecutionProgress(move.Shard, 1, step == Steps ? 1 : 0, move.Bytes * step / Steps, move.Bytes);
            Reported.Add(report);
            progress?.Report(report);
            AfterStep?.Invoke(step);
        }

        return Task.FromResult(new PlanExecutionSummary(1, 0, move.Bytes, []));
    }
}
