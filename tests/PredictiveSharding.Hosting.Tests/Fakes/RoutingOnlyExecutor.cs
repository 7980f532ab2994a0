using PredictiveSharding.Executing;
using PredictiveSharding.Planning;
using PredictiveSharding.Routing;

namespace PredictiveSharding.Hosting.Tests.Fakes;

/// <summary>Carries moves out as routing changes only (no data), recording the plans it was given.</summary>
internal sealed class RoutingOnlyExecutor(IRoutingTable routing) : IPlanExecutor
{
    public List<ShardingPlan> Plans { get; } = [];

    /// <summary>Messages the summary reports for actions that did not complete (the moves still change routing).</summary>
    public IReadOnlyList<string> Errors { get; set; } = [];

    /// <summary>When set, every move is rolled back: the summary counts it so and routing does not change.</summary>
    public bool RollBackMoves { get; set; }

    /// <summary>When set, every move changes routing but is reported with its clean-up pending (its old copy not deleted yet).</summary>
    public bool CleanupPending { get; set; }

    /// <summary>When set, the moves change routing and then this is thrown (an action's journal write failed after the others ran).</summary>
    public Exception? ThrowAfterMoving { get; set; }

    /// <summary>When set, cancelled just before <see cref="ThrowAfterMoving"/> is thrown (the caller stopping meanwhile).</summary>
    public CancellationTokenSource? CancelBeforeThrowing { get; set; }

    /// <summary>When set, returns null instead of a summary (a host executor with a bug), after the moves.</summary>
    public bool ReturnNull { get; set; }

    public Task<PlanExecutionSummary> ExecuteAsync(ShardingPlan plan, CancellationToken cancellationToken)
    {
        Plans.Add(plan);
        if (RollBackMoves)
        {
            var moves = plan.Actions.OfType<MoveAction>().Count();
            return Task.FromResult(new PlanExecutionSummary(0, moves, 0, [.. Errors, $"{moves} move(s) rolled back"]));
        }

        var changes = plan.Actions.OfType<MoveAction>().Select(m => (RoutingChange)new MoveChange(m.Shard, m.To)).ToArray();
        routing.Apply(changes);
        if (ThrowAfterMoving is { } failure)
        {
            CancelBeforeThrowing?.Cancel();
            throw failure;
        }

        if (CleanupPending)
        {
            var moves = plan.Actions.OfType<MoveAction>().ToList();
            return Task.FromResult(new PlanExecutionSummary(0, 0, plan.MovedBytes, [.. moves.Select(m => $"Move of '{m.Shard}' ended CleanupPending: the old copy is not deleted yet")])
            {
                Actions = [.. moves.Select(m => new PlanActionResult(m, PlanActionStatus.CompletedCleanupPending, "the old copy is not deleted yet"))],
            });
        }

        return Task.FromResult(ReturnNull ? null! : new PlanExecutionSummary(changes.Length, 0, plan.MovedBytes, Errors));
    }
}
