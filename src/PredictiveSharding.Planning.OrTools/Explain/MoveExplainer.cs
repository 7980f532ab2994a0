using System.Globalization;
using PredictiveSharding.Planning.OrTools.Placement;

namespace PredictiveSharding.Planning.OrTools.Explain;

/// <summary>
/// Turns a new assignment into move actions, each with its reason (the breach it prevents), its cost and the
/// latest time it may start.
/// </summary>
internal static class MoveExplainer
{
    /// <summary>A little under <see cref="TimeSpan.MaxValue"/> in seconds, so that anything below it converts exactly.</summary>
    private static readonly double MaxDurationSeconds = TimeSpan.MaxValue.TotalSeconds - 1;

    public static IReadOnlyList<MoveAction> Explain(PlacementProblem problem, PlacementEvaluation before, PlacementEvaluation after, ReadOnlySpan<int> assignment)
    {
        var request = problem.Request;
        var forecast = request.Forecast;
        var constraints = request.Constraints;
        var anywhere = before.FirstBreachAnywhere();
        var moves = new List<MoveAction>();
        for (var p = 0; p < problem.PartitionCount; p++)
        {
            var from = problem.Home[p];
            var to = assignment[p];
            if (from == to)
            {
                continue;
            }

            var partition = problem.Partitions[p];
            var seconds = partition.SizeBytes / constraints.MoveBandwidthBytesPerSecond;
            var duration = seconds < MaxDurationSeconds ? TimeSpan.FromSeconds(seconds) : TimeSpan.MaxValue;
            var own = before.FirstBreach(from);
            var breach = own ?? anywhere;

            // Past the horizon nothing is predicted, so a pure rebalancing move is due by the horizon's end.
            var deadline = breach is null
                ? forecast.Origin + (forecast.Step * forecast.Horizon)
                : forecast.Origin + (forecast.Step * breach.Step);

            // Compared before subtracting: a move of centuries would start before the first representable time.
            var startBy = duration >= deadline - request.Now ? request.Now : deadline - duration;

            var action = string.Create(
                CultureInfo.InvariantCulture,
                $"move {partition.Id} ({partition.SizeBytes} bytes, about {duration.TotalSeconds:0.#} s) from {problem.Nodes[from].Id} to {problem.Nodes[to].Id}");
            var reason = breach switch
            {
                null => string.Create(
                    CultureInfo.InvariantCulture,
                    $"no node is predicted to cross a threshold; {action} lowers the predicted peak from {before.Summary.MaxUtilization:0.000} to {after.Summary.MaxUtilization:0.000} × capacity at q{problem.PlanningQuantileUsed:0.###}"),
                _ when ReferenceEquals(breach, own) => string.Create(
                    CultureInfo.InvariantCulture,
                    $"{Describe(problem, breach)}; {action}"),
                _ => string.Create(
                    CultureInfo.InvariantCulture,
                    $"{Describe(problem, breach)}; {action} to make room"),
            };

            moves.Add(new MoveAction(partition.Id, problem.Nodes[from].Id, problem.Nodes[to].Id, partition.SizeBytes, startBy, duration, reason));
        }

        // The most urgent first; ties by id so the order does not depend on anything but the input.
        moves.Sort((a, b) =>
        {
            var byTime = a.StartBy.CompareTo(b.StartBy);
            return byTime != 0 ? byTime : string.CompareOrdinal(a.Shard.Value, b.Shard.Value);
        });
        return moves;
    }

    /// <summary>"node n1 requests at step 5 (2026-…): 1.12 × capacity at q0.9 > threshold 0.80" (or "0.803 × capacity … > threshold 0.80").</summary>
    public static string Describe(PlacementProblem problem, Breach breach)
    {
        var forecast = problem.Request.Forecast;
        var at = forecast.Origin + (forecast.Step * breach.Step);
        var limit = breach.AgainstCapacity ? "capacity 1.00" : "threshold " + ReasonNumbers.Setting(breach.Limit);
        return string.Create(
            CultureInfo.InvariantCulture,
            $"node {problem.Nodes[breach.Node].Id} {problem.Resources[breach.Resource]} at step {breach.Step} ({at.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss'Z'}): {ReasonNumbers.Against(breach.Utilization, breach.Limit)} × capacity at q{breach.Quantile:0.###} > {limit}");
    }
}
