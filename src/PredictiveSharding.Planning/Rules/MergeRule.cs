using System.Globalization;
using PredictiveSharding.Planning.Explain;
using PredictiveSharding.Planning.Placement;

namespace PredictiveSharding.Planning.Rules;

/// <summary>
/// Merges pairs of adjacent partitions on the same node that stay cold over the whole horizon (only when the host
/// allows merges). The merge ceiling sits well below the split share and the size limit (hysteresis), so a merged
/// partition is not split again by the next plan. Where splits also look at the overflow quantile
/// (<see cref="GeneticPlannerOptions.SplitOnOverflowQuantile"/>), the pair's peak there must stay as far below the split
/// share too: a pair cold at the planning quantile but surge-prone at q0.99 was merged and split again plan after plan.
/// </summary>
internal static class MergeRule
{
    /// <exception cref="OperationCanceledException">Cancelled (asked before each merge is named).</exception>
    public static List<MergeDecision> Decide(LoadModel model, bool[] cooling, bool[] splitting, GeneticPlannerOptions options, PartitionIdAllocator ids, CancellationToken cancellationToken)
    {
        var decisions = new List<MergeDecision>();
        var constraints = model.Request.Constraints;
        if (!constraints.AllowMerges)
        {
            return decisions;
        }

        var invLargest = SplitRule.LargestAllowanceInverse(model);
        var invLargestCapacity = SplitRule.LargestCapacityInverse(model);
        var margin = 1 - options.HysteresisMargin;
        var overflowCeiling = options.SplitShareThreshold * margin * margin;
        var sizeCeiling = constraints.MaxPartitionBytes is { } limit ? limit * margin * margin : double.PositiveInfinity;
        var dims = model.Dimensions;
        for (var a = 0; a + 1 < model.Partitions.Length; a++)
        {
            var b = a + 1;
            if (model.Owner[a] != model.Owner[b] || cooling[a] || cooling[b] || splitting[a] || splitting[b])
            {
                continue;
            }

            double share = 0;
            for (var r = 0; r < model.Resources.Length; r++)
            {
                for (var t = 0; t < model.Steps; t++)
                {
                    var d = (r * model.Steps) + t;
                    share = Math.Max(share, (model.LoadQ[(a * dims) + d] + model.LoadQ[(b * dims) + d]) * invLargest[r]);
                }
            }

            var left = model.Partitions[a];
            var right = model.Partitions[b];
            if (share > options.MergeShareThreshold || left.SizeBytes + right.SizeBytes > sizeCeiling
                || (options.SplitOnOverflowQuantile && SplitRule.PeakShare99(model, a, invLargestCapacity, other: b) > overflowCeiling))
            {
                continue;
            }

            // Each merge asks the host's IPartitionIdSource for its id, which a cancelled plan must not go on doing.
            cancellationToken.ThrowIfCancellationRequested();
            var merged = ids.ForMerge(left.Id, right.Id);
            var reason = string.Create(CultureInfo.InvariantCulture, $"partitions {left.Id} and {right.Id} on node {model.Nodes[model.Owner[a]].Id} are cold: together they peak at {ReasonNumbers.Against(share, options.MergeShareThreshold, 3)} of the largest node's allowance at q{ReasonText.Quantile(model.PlanningQuantile)} over the horizon (≤ merge share {ReasonNumbers.Setting(options.MergeShareThreshold)})");
            decisions.Add(new MergeDecision(a, merged, reason));
            a++;
        }

        return decisions;
    }
}
