using PredictiveSharding.Executing;
using PredictiveSharding.Planning;
using PredictiveSharding.Routing;

namespace PredictiveSharding.Hosting.Tests.Fakes;

/// <summary>
/// A host's own executor (nothing of the Execution package): it carries the plan's moves out as routing changes, then
/// throws <see cref="Failure"/> with their summary attached through the public contract
/// (<see cref="PlanExecutionSummary.ExceptionDataKey"/>), as one whose last action's store call failed after the others ended.
/// </summary>
internal sealed class PartialSummaryHostExecutor(IRoutingTable routing, long bytesPerMove) : IPlanExecutor
{
    public Exception Failure { get; set; } = new IOException("the host's store failed the plan's last step (injected by the test)");

    /// <summary>When set, the attached summary's <see cref="PlanExecutionSummary.Errors"/> is null (a host executor with a bug).</summary>
    public bool NullErrors { get; set; }

    public Task<PlanExecutionSummary> ExecuteAsync(ShardingPlan plan, CancellationToken cancellationToken)
    {
        var moves = plan.Actions.OfType<MoveAction>().ToList();
        routing.Apply([.. moves.Select(m => (RoutingChange)new MoveChange(m.Shard, m.To))]);
        Failure.Data[PlanExecutionSummary.ExceptionDataKey] = new PlanExecutionSummary(moves.Count, 0, moves.Count * bytesPerMove, NullErrors ? null! : ["the host's last step did not end"])
        {
            Actions = [.. moves.Select(m => new PlanActionResult(m, PlanActionStatus.Completed))],
        };
        throw Failure;
    }
}
