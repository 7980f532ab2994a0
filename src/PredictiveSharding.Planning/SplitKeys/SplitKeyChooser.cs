using PredictiveSharding.Keys;

namespace PredictiveSharding.Planning.SplitKeys;

/// <summary>
/// Chooses k − 1 split keys among a partition's distinct sampled keys so that the worst child is as small as possible
/// against two targets at once: its load share (scaled by the parent's peak) against a load target, and its data share
/// (scaled by the parent's bytes) against a size target. Children are contiguous runs of sampled keys; each cut is at
/// a sampled key other than the first, so it lies strictly inside the range and never inside a key.
/// </summary>
internal static class SplitKeyChooser
{
    /// <summary>The largest number of children a split of these samples can have.</summary>
    public static int MaxWays(KeyWeights samples) => samples.Count;

    /// <param name="samples">The partition's keys.</param>
    /// <param name="ways">Children wanted (2 to <see cref="MaxWays"/>).</param>
    /// <param name="loadScale">The parent's load as a multiple of the load target (child cost = load share × this).</param>
    /// <param name="sizeScale">The parent's bytes as a multiple of the size target (child cost = data share × this).</param>
    public static SplitProposal Choose(KeyWeights samples, int ways, double loadScale, double sizeScale)
    {
        var m = samples.Count;
        if (ways < 2 || ways > m)
        {
            throw new ArgumentOutOfRangeException(nameof(ways), ways, $"A split of {m} distinct sampled keys can have 2 to {m} children.");
        }

        var load = new double[m];
        var size = new double[m];
        double maxSingle = 0;
        for (var j = 0; j < m; j++)
        {
            load[j] = samples.Weights[j] / samples.Total * loadScale;
            size[j] = sizeScale / m;
            maxSingle = Math.Max(maxSingle, Math.Max(load[j], size[j]));
        }

        // The min-max contiguous partition: binary search on the bound, greedy feasibility (optimal because any
        // sub-run of a run within the bound is within it too).
        double lo = maxSingle;
        var hi = Math.Max(maxSingle, SumCost(load, size, 0, m));
        for (var iteration = 0; iteration < 64 && hi - lo > 1e-12 * Math.Max(1, hi); iteration++)
        {
            var mid = (lo + hi) / 2;
            if (PartsNeeded(load, size, mid) <= ways)
            {
                hi = mid;
            }
            else
            {
                lo = mid;
            }
        }

        var starts = GreedyStarts(load, size, hi);
        while (starts.Count < ways)
        {
            SplitWorstPart(load, size, starts, m);
        }

        var keys = new ShardKey[ways - 1];
        var loadShares = new double[ways];
        var sizeShares = new double[ways];
        double maxCost = 0;
        for (var c = 0; c < ways; c++)
        {
            var from = starts[c];
            var to = c + 1 < ways ? starts[c + 1] : m;
            if (c > 0)
            {
                keys[c - 1] = samples.Keys[from];
            }

            double w = 0;
            for (var j = from; j < to; j++)
            {
                w += samples.Weights[j];
            }

            loadShares[c] = w / samples.Total;
            sizeShares[c] = (double)(to - from) / m;
            maxCost = Math.Max(maxCost, SumCost(load, size, from, to));
        }

        return new SplitProposal(keys, loadShares, sizeShares, maxCost);
    }

    private static double SumCost(double[] load, double[] size, int from, int to)
    {
        double l = 0;
        double s = 0;
        for (var j = from; j < to; j++)
        {
            l += load[j];
            s += size[j];
        }

        return Math.Max(l, s);
    }

    private static int PartsNeeded(double[] load, double[] size, double bound) => GreedyStarts(load, size, bound).Count;

    private static List<int> GreedyStarts(double[] load, double[] size, double bound)
    {
        var starts = new List<int> { 0 };
        double l = 0;
        double s = 0;
        for (var j = 0; j < load.Length; j++)
        {
            if (j > starts[^1] && (l + load[j] > bound * (1 + 1e-12) || s + size[j] > bound * (1 + 1e-12)))
            {
                starts.Add(j);
                l = 0;
                s = 0;
            }

            l += load[j];
            s += size[j];
        }

        return starts;
    }

    /// <summary>Cuts the costliest part that has two or more keys at its most balanced point (never raises the worst part).</summary>
    private static void SplitWorstPart(double[] load, double[] size, List<int> starts, int m)
    {
        var worst = -1;
        double worstCost = -1;
        for (var c = 0; c < starts.Count; c++)
        {
            var to = c + 1 < starts.Count ? starts[c + 1] : m;
            if (to - starts[c] < 2)
            {
                continue;
            }

            var cost = SumCost(load, size, starts[c], to);
            if (cost > worstCost)
            {
                worstCost = cost;
                worst = c;
            }
        }

        var from = starts[worst];
        var end = worst + 1 < starts.Count ? starts[worst + 1] : m;
        var bestCut = from + 1;
        var bestCost = double.PositiveInfinity;
        for (var cut = from + 1; cut < end; cut++)
        {
            var cost = Math.Max(SumCost(load, size, from, cut), SumCost(load, size, cut, end));
            if (cost < bestCost)
            {
                bestCost = cost;
                bestCut = cut;
            }
        }

        starts.Insert(worst + 1, bestCut);
    }
}
