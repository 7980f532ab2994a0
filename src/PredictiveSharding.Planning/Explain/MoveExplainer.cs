using System.Globalization;
using PredictiveSharding.Planning.Genetic;
using PredictiveSharding.Planning.Placement;
using PredictiveSharding.Topology;

namespace PredictiveSharding.Planning.Explain;

/// <summary>
/// Turns the chosen placement into move actions with a reason, a cost and a start-by time. A move's deadline is the
/// first predicted breach on the node it leaves (threshold at the planning quantile, else capacity at the overflow
/// quantile); a move off a node with no breach (making room, locality) takes the plan's earliest breach, or the end of
/// the horizon when nothing breaches. Start-by = deadline − bytes / bandwidth, clamped to now when already late.
/// </summary>
internal static class MoveExplainer
{
    /// <summary>A little under <see cref="TimeSpan.MaxValue"/> in seconds, so that anything below it converts exactly.</summary>
    private static readonly double MaxDurationSeconds = TimeSpan.MaxValue.TotalSeconds - 1;

    public static List<MoveAction> Explain(
        LoadModel model,
        PlacementProblem problem,
        PartitionId[] shardIds,
        AssignmentChromosome placement,
        NodeBreach?[] breaches,
        NodeBreach?[] overflows)
    {
        var request = model.Request;
        var bandwidth = request.Constraints.MoveBandwidthBytesPerSecond;
        DateTimeOffset? earliest = null;
        NodeBreach? earliestBreach = null;
        for (var n = 0; n < model.Nodes.Length; n++)
        {
            foreach (var breach in new[] { breaches[n], overflows[n] })
            {
                if (breach is { } b && (earliest is null || model.StepTime(b.Step) < earliest))
                {
                    earliest = model.StepTime(b.Step);
                    earliestBreach = b;
                }
            }
        }

        var horizonEnd = model.StepTime(model.Steps);
        var moves = new List<MoveAction>();
        for (var s = 0; s < problem.Shards; s++)
        {
            var from = problem.Current[s];
            var to = placement.Genes[s];
            if (from == to)
            {
                continue;
            }

            var own = breaches[from] ?? overflows[from];
            var deadline = own is { } o ? model.StepTime(o.Step) : earliest ?? horizonEnd;
            var duration = Duration(problem.Bytes[s], bandwidth);

            // Compared before subtracting: a move of centuries (a huge range at a trickle of bandwidth) would start
            // before the first representable time.
            var startBy = duration >= deadline - request.Now ? request.Now : deadline - duration;

            var reason = Reason(model, problem, shardIds, s, from, to, placement, own, earliestBreach);
            moves.Add(new MoveAction(shardIds[s], model.Nodes[from].Id, model.Nodes[to].Id, problem.Bytes[s], startBy, duration, reason));
        }

        moves.Sort((a, b) => a.StartBy != b.StartBy ? a.StartBy.CompareTo(b.StartBy) : string.CompareOrdinal(a.Shard.Value, b.Shard.Value));
        return moves;
    }

    /// <summary>The time to copy <paramref name="bytes"/> at <paramref name="bandwidth"/> bytes per second, at most <see cref="TimeSpan.MaxValue"/>.</summary>
    private static TimeSpan Duration(long bytes, double bandwidth)
    {
        var seconds = bytes / bandwidth;
        return seconds < MaxDurationSeconds ? TimeSpan.FromSeconds(seconds) : TimeSpan.MaxValue;
    }

    private static string Reason(LoadModel model, PlacementProblem problem, PartitionId[] shardIds, int s, int from, int to, AssignmentChromosome placement, NodeBreach? own, NodeBreach? earliest)
    {
        var inv = CultureInfo.InvariantCulture;
        var shard = shardIds[s];
        var target = model.Nodes[to];
        var after = string.Create(inv, $"move {shard} to {target.Id} (its predicted peak after the plan {ReasonText.Share(PeakUtilization(model, placement, to))} × capacity, {model.Nodes[from].Id} {ReasonText.Share(PeakUtilization(model, placement, from))})");
        if (problem.IsolationWeight > 0 && FillerStaying(problem, placement, from) is { } filler)
        {
            after += string.Create(inv, $"; {model.Nodes[from].Id} keeps {shardIds[filler]}, which alone reaches a node's allowance, so its other load moves off");
        }

        if (own is { } breach)
        {
            return ReasonText.Breach(model, breach) + "; " + after;
        }

        var localityGain = problem.Locality(s, from) - problem.Locality(s, to);
        if (localityGain > 0 && target.Region.Length > 0)
        {
            return string.Create(inv, $"serve {shard} closer to its clients: region {target.Region} (node {target.Id}) instead of {(model.Nodes[from].Region.Length > 0 ? model.Nodes[from].Region : "an unknown region")}; {after}");
        }

        return earliest is { } e
            ? "make room so the cluster stays under its thresholds (earliest breach: " + ReasonText.Breach(model, e) + "); " + after
            : "lower the cluster's predicted peak; " + after;
    }

    /// <summary>A shard that fills a node's allowance alone and stays on node n under the placement, or null.</summary>
    private static int? FillerStaying(PlacementProblem problem, AssignmentChromosome placement, int n)
    {
        for (var s = placement.FirstOnNode(n); s >= 0; s = placement.NextOnNode(s))
        {
            if (problem.FillsAllowance[s] && problem.Current[s] == n)
            {
                return s;
            }
        }

        return null;
    }

    /// <summary>Node n's highest load / capacity over resources and steps under the placement.</summary>
    private static double PeakUtilization(LoadModel model, AssignmentChromosome placement, int n)
    {
        var resources = model.Resources.Length;
        double peak = 0;
        for (var r = 0; r < resources; r++)
        {
            for (var t = 0; t < model.Steps; t++)
            {
                peak = Math.Max(peak, placement.NodeLoad[(n * model.Dimensions) + (r * model.Steps) + t] * model.InvCapacity[(n * resources) + r]);
            }
        }

        return peak;
    }
}
