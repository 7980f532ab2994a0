using PredictiveSharding.Planning.Placement;
using PredictiveSharding.Topology;

namespace PredictiveSharding.Planning.Explain;

/// <summary>Finds where and when node loads cross thresholds or capacity, and the peak a placement reaches.</summary>
internal static class BreachFinder
{
    private const double Tolerance = 1e-9;

    /// <summary>
    /// The earliest step at which node n's load crosses a limit (thresholds at the planning quantile when
    /// <paramref name="atCapacity"/> is false, capacity itself at the overflow quantile when true); among resources
    /// crossing at that step, the one furthest over. Null when none does.
    /// </summary>
    public static NodeBreach? First(LoadModel model, ReadOnlySpan<double> nodeLoad, int n, bool atCapacity)
    {
        var resources = model.Resources.Length;
        var steps = model.Steps;
        var dims = model.Dimensions;
        for (var t = 0; t < steps; t++)
        {
            NodeBreach? worst = null;
            double worstRatio = 0;
            for (var r = 0; r < resources; r++)
            {
                var utilization = nodeLoad[(n * dims) + (r * steps) + t] * model.InvCapacity[(n * resources) + r];
                var limit = atCapacity ? 1 : model.Thresholds[r];
                var ratio = utilization / limit;
                if (ratio > 1 + Tolerance && ratio > worstRatio)
                {
                    worstRatio = ratio;
                    worst = new NodeBreach(n, r, t, utilization, limit, atCapacity ? model.OverflowQuantileUsed : model.PlanningQuantile, atCapacity);
                }
            }

            if (worst is not null)
            {
                return worst;
            }
        }

        return null;
    }

    /// <summary>The maximum over nodes, resources and steps of load / capacity, and where it is (first in node, resource, step order).</summary>
    public static UtilizationSummary Summarize(LoadModel model, ReadOnlySpan<double> nodeLoad)
    {
        var resources = model.Resources.Length;
        var steps = model.Steps;
        var dims = model.Dimensions;
        double best = -1;
        int bestNode = 0, bestResource = 0, bestStep = 0;
        for (var n = 0; n < model.Nodes.Length; n++)
        {
            for (var r = 0; r < resources; r++)
            {
                var inv = model.InvCapacity[(n * resources) + r];
                for (var t = 0; t < steps; t++)
                {
                    var u = nodeLoad[(n * dims) + (r * steps) + t] * inv;
                    if (u > best)
                    {
                        best = u;
                        bestNode = n;
                        bestResource = r;
                        bestStep = t;
                    }
                }
            }
        }

        var resource = resources > 0 ? model.Resources[bestResource] : ResourceKind.Requests;
        return new UtilizationSummary(Math.Max(best, 0), model.Nodes[bestNode].Id, resource, bestStep);
    }

    /// <summary>Node loads of the snapshot's partitions on their current nodes, <c>[node × dimensions]</c>.</summary>
    public static double[] CurrentNodeLoads(LoadModel model, bool overflowQuantile)
    {
        var dims = model.Dimensions;
        var loads = new double[model.Nodes.Length * dims];
        var source = overflowQuantile ? model.Load99 : model.LoadQ;
        for (var p = 0; p < model.Partitions.Length; p++)
        {
            var n = model.Owner[p];
            for (var d = 0; d < dims; d++)
            {
                loads[(n * dims) + d] += source[(p * dims) + d];
            }
        }

        return loads;
    }
}
