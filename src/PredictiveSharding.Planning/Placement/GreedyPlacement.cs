namespace PredictiveSharding.Planning.Placement;

/// <summary>
/// Longest-processing-time-first placement: shards in decreasing order of their peak load (as a share of the mean
/// node allowance), each onto the node whose predicted peak it raises least; ties go to the shard's current node,
/// then to the lower node index. Pinned shards stay where they are. It ignores the move budget (repair enforces it).
/// </summary>
internal static class GreedyPlacement
{
    /// <exception cref="OperationCanceledException">Cancelled (asked every 256 shards).</exception>
    public static int[] Place(PlacementProblem problem, CancellationToken cancellationToken = default)
        => Place(problem, pruneByPeak: true, cancellationToken);

    /// <param name="problem">The placement problem.</param>
    /// <param name="pruneByPeak">Skip the nodes <see cref="PeakBound"/> rules out (the same result; false only to check that, and as the benchmark's baseline).</param>
    /// <param name="cancellationToken">Asked every 256 shards.</param>
    /// <exception cref="OperationCanceledException">Cancelled.</exception>
    internal static int[] Place(PlacementProblem problem, bool pruneByPeak, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var p = problem;
        var dims = p.Dimensions;
        var meanInv = new double[p.Resources];
        for (var r = 0; r < p.Resources; r++)
        {
            double sum = 0;
            for (var n = 0; n < p.Nodes; n++)
            {
                sum += p.InvAllowance[(n * p.Resources) + r];
            }

            meanInv[r] = sum / p.Nodes;
        }

        var size = new double[p.Shards];
        var order = new int[p.Shards];
        for (var s = 0; s < p.Shards; s++)
        {
            order[s] = s;
            double peak = 0;
            for (var r = 0; r < p.Resources; r++)
            {
                for (var t = 0; t < p.Steps; t++)
                {
                    peak = Math.Max(peak, p.LoadQ[(s * dims) + (r * p.Steps) + t] * meanInv[r]);
                }
            }

            size[s] = peak;
        }

        // Stable order (size descending, then index) so the result never depends on the sort's internals.
        Array.Sort(order, (a, b) => size[a] != size[b] ? size[b].CompareTo(size[a]) : a.CompareTo(b));

        var genes = new int[p.Shards];
        var nodeLoad = new double[p.Nodes * dims];
        for (var s = 0; s < p.Shards; s++)
        {
            if (p.Pinned[s])
            {
                genes[s] = p.Current[s];
                Add(nodeLoad, p, s, genes[s]);
            }
        }

        var peakDimension = new int[p.Nodes];
        for (var n = 0; n < p.Nodes; n++)
        {
            peakDimension[n] = PeakBound.Dimension(nodeLoad, p, n);
        }

        // A node is only worth the full pass over its steps when its load with the shard, in the one step where the node
        // peaks now, stays under the best peak found so far: that one step is a lower bound of the full pass, computed the
        // same way, so skipping the rest changes no choice. Without it LPT costs a pass over every node's steps per shard
        // (100,000 shards × 500 nodes × 72 steps: 14 s, seven budgets of the search it seeds). The bound needs loads
        // that never go below zero.
        var prune = pruneByPeak && p.LoadsNonNegative;
        var placed = 0;
        foreach (var s in order)
        {
            // Each shard is a pass over the nodes: on a huge cluster the whole placement takes seconds.
            if ((++placed & 255) == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }

            if (p.Pinned[s])
            {
                continue;
            }

            var best = p.Current[s];
            var bestPeak = PeakWith(nodeLoad, p, s, best, double.PositiveInfinity);
            for (var n = 0; n < p.Nodes; n++)
            {
                if (n == p.Current[s] || (prune && PeakBound.At(nodeLoad, p, s, n, peakDimension[n]) >= bestPeak - 1e-12))
                {
                    continue;
                }

                var peak = PeakWith(nodeLoad, p, s, n, bestPeak - 1e-12);
                if (peak < bestPeak - 1e-12)
                {
                    bestPeak = peak;
                    best = n;
                }
            }

            genes[s] = best;
            Add(nodeLoad, p, s, best);
            peakDimension[best] = PeakBound.Dimension(nodeLoad, p, best);
        }

        return genes;
    }

    private static void Add(double[] nodeLoad, PlacementProblem p, int s, int n)
    {
        var dims = p.Dimensions;
        var load = p.LoadQ.AsSpan(s * dims, dims);
        var node = nodeLoad.AsSpan(n * dims, dims);
        for (var d = 0; d < dims; d++)
        {
            node[d] += load[d];
        }
    }

    /// <summary>
    /// The node's peak with the shard added; once it reaches <paramref name="enough"/> (a peak that would not be chosen)
    /// it returns early, with a value at least that.
    /// </summary>
    private static double PeakWith(double[] nodeLoad, PlacementProblem p, int s, int n, double enough)
    {
        var dims = p.Dimensions;
        var load = p.LoadQ.AsSpan(s * dims, dims);
        var node = nodeLoad.AsSpan(n * dims, dims);
        double peak = 0;
        for (var r = 0; r < p.Resources; r++)
        {
            var inv = p.InvAllowance[(n * p.Resources) + r];
            var offset = r * p.Steps;
            for (var t = 0; t < p.Steps; t++)
            {
                var v = (node[offset + t] + load[offset + t]) * inv;
                if (v > peak)
                {
                    peak = v;
                }
            }

            if (peak >= enough)
            {
                return peak;
            }
        }

        return peak;
    }
}
