namespace PredictiveSharding.Planning.Placement;

/// <summary>
/// A cheap lower bound of a node's predicted peak with one more shard, for the seed placements' pass over the nodes:
/// the node's load with the shard in the one dimension where the node peaks now.
/// </summary>
internal static class PeakBound
{
    /// <summary>The dimension (resource × step) where node <paramref name="n"/>'s load, as a share of its allowance, peaks.</summary>
    public static int Dimension(double[] nodeLoad, PlacementProblem p, int n)
    {
        var dims = p.Dimensions;
        var node = nodeLoad.AsSpan(n * dims, dims);
        double peak = double.NegativeInfinity;
        var at = 0;
        for (var d = 0; d < dims; d++)
        {
            var v = node[d] * p.InvAllowance[(n * p.Resources) + (d / p.Steps)];
            if (v > peak)
            {
                peak = v;
                at = d;
            }
        }

        return at;
    }

    /// <summary>
    /// Node <paramref name="n"/>'s load with shard <paramref name="s"/> added, in the one dimension
    /// <paramref name="d"/>, computed as the seed placements
    /// compute every dimension: so never above the node's peak with the shard, and skipping a node whose value here is no better
    /// than the best found changes no choice (given loads that are never negative).
    /// </summary>
    public static double At(double[] nodeLoad, PlacementProblem p, int s, int n, int d)
        => (nodeLoad[(n * p.Dimensions) + d] + p.LoadQ[(s * p.Dimensions) + d]) * p.InvAllowance[(n * p.Resources) + (d / p.Steps)];
}
