namespace PredictiveSharding.Planning.Placement;

/// <summary>
/// A move-aware greedy seed: start from the current placement, take shards off every node whose predicted peak is
/// above a target level (the lower bound plus a little) until it is under, then put the taken shards back, largest
/// first, on their own node when it has room under the target and otherwise on the node whose peak they raise least.
/// Only the excess moves, so the seed moves far fewer bytes than <see cref="GreedyPlacement"/>; the GA does the rest.
/// </summary>
internal static class DrainPlacement
{
    /// <exception cref="OperationCanceledException">Cancelled (asked per node drained and every 256 shards placed).</exception>
    public static int[] Place(PlacementProblem problem, double drainLevel, double target, CancellationToken cancellationToken = default)
        => Place(problem, drainLevel, target, pruneByPeak: true, cancellationToken);

    /// <param name="problem">The placement problem.</param>
    /// <param name="drainLevel">Nodes whose peak is above this give shards up.</param>
    /// <param name="target">A shard goes back home when its node stays under this with it.</param>
    /// <param name="pruneByPeak">Skip the nodes <see cref="PeakBound"/> rules out (the same result; false only to check that, and as the benchmark's baseline).</param>
    /// <param name="cancellationToken">Asked per node drained and every 256 shards placed.</param>
    /// <exception cref="OperationCanceledException">Cancelled.</exception>
    internal static int[] Place(PlacementProblem problem, double drainLevel, double target, bool pruneByPeak, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var p = problem;
        var dims = p.Dimensions;
        var genes = (int[])p.Current.Clone();
        var nodeLoad = new double[p.Nodes * dims];
        for (var s = 0; s < p.Shards; s++)
        {
            Add(nodeLoad, p, s, genes[s], +1);
        }

        var byNode = new List<int>[p.Nodes];
        for (var n = 0; n < p.Nodes; n++)
        {
            byNode[n] = [];
        }

        for (var s = 0; s < p.Shards; s++)
        {
            if (!p.Pinned[s])
            {
                byNode[genes[s]].Add(s);
            }
        }

        var pool = new List<int>();
        for (var n = 0; n < p.Nodes; n++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var shards = byNode[n];
            while (shards.Count > 0)
            {
                var (peak, dim) = Peak(nodeLoad, p, n);
                if (peak <= drainLevel)
                {
                    break;
                }

                // Take the shard that carries most of the bottleneck per byte: the cheapest relief to move.
                var best = -1;
                double bestScore = -1;
                for (var i = 0; i < shards.Count; i++)
                {
                    var s = shards[i];
                    var score = p.LoadQ[(s * dims) + dim] / (1.0 + p.Bytes[s]);
                    if (score > bestScore)
                    {
                        bestScore = score;
                        best = i;
                    }
                }

                if (bestScore <= 0)
                {
                    break;
                }

                var shard = shards[best];
                shards.RemoveAt(best);
                Add(nodeLoad, p, shard, n, -1);
                pool.Add(shard);
            }
        }

        var size = new double[p.Shards];
        foreach (var s in pool)
        {
            for (var d = 0; d < dims; d++)
            {
                size[s] = Math.Max(size[s], p.LoadQ[(s * dims) + d] * p.InvAllowance[(p.Current[s] * p.Resources) + (d / p.Steps)]);
            }
        }

        pool.Sort((a, b) => size[a] != size[b] ? size[b].CompareTo(size[a]) : a.CompareTo(b));

        // As in GreedyPlacement: a node whose load with the shard, in the one step where the node peaks now, is no better
        // than the best peak found skips the full pass over its steps; no choice changes.
        var prune = pruneByPeak && p.LoadsNonNegative;
        var peakDimension = new int[p.Nodes];
        for (var n = 0; n < p.Nodes; n++)
        {
            peakDimension[n] = PeakBound.Dimension(nodeLoad, p, n);
        }

        var placed = 0;
        foreach (var s in pool)
        {
            // A shard placed away from home is a pass over the nodes: on a huge cluster the whole pool takes seconds.
            if ((++placed & 255) == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }

            var home = p.Current[s];
            var chosen = home;
            var homePeak = PeakWith(nodeLoad, p, s, home);
            if (homePeak > target)
            {
                var bestPeak = homePeak;
                for (var n = 0; n < p.Nodes; n++)
                {
                    if (prune && PeakBound.At(nodeLoad, p, s, n, peakDimension[n]) >= bestPeak - 1e-12)
                    {
                        continue;
                    }

                    var peak = PeakWith(nodeLoad, p, s, n);
                    if (peak < bestPeak - 1e-12)
                    {
                        bestPeak = peak;
                        chosen = n;
                    }
                }
            }

            genes[s] = chosen;
            Add(nodeLoad, p, s, chosen, +1);
            peakDimension[chosen] = PeakBound.Dimension(nodeLoad, p, chosen);
        }

        return genes;
    }

    private static void Add(double[] nodeLoad, PlacementProblem p, int s, int n, double sign)
    {
        var dims = p.Dimensions;
        for (var d = 0; d < dims; d++)
        {
            nodeLoad[(n * dims) + d] += sign * p.LoadQ[(s * dims) + d];
        }
    }

    private static (double Peak, int Dimension) Peak(double[] nodeLoad, PlacementProblem p, int n)
    {
        var dims = p.Dimensions;
        double peak = 0;
        var dim = 0;
        for (var d = 0; d < dims; d++)
        {
            var v = nodeLoad[(n * dims) + d] * p.InvAllowance[(n * p.Resources) + (d / p.Steps)];
            if (v > peak)
            {
                peak = v;
                dim = d;
            }
        }

        return (peak, dim);
    }

    private static double PeakWith(double[] nodeLoad, PlacementProblem p, int s, int n)
    {
        var dims = p.Dimensions;
        double peak = 0;
        for (var d = 0; d < dims; d++)
        {
            var v = (nodeLoad[(n * dims) + d] + p.LoadQ[(s * dims) + d]) * p.InvAllowance[(n * p.Resources) + (d / p.Steps)];
            if (v > peak)
            {
                peak = v;
            }
        }

        return peak;
    }
}
