using System.Runtime.CompilerServices;
using PredictiveSharding.Planning.Placement;

namespace PredictiveSharding.Planning.Genetic;

/// <summary>
/// Local search from the hottest node: each step takes the best move of one of its shards to one of the coolest
/// nodes (or back to the shard's current node), or failing that the best swap with a shard of a cool node, and
/// stops when nothing improves. The design reference's prototype measurements (not shipped): with this on children, the GA got within 0.06% of the lower bound in
/// 1 s on 1,000 shards × 20 nodes, against 0.97% after 10 s without it.
/// </summary>
/// <remarks>
/// When several nodes share the peak, moving load off one of them does not lower the peak yet; such a step is scored
/// as its drop divided by the number of tied nodes (the peak falls by that much once each tied node gets a like step),
/// so the search can walk down a plateau while still paying for the bytes it moves.
/// </remarks>
internal sealed class HottestNodeLocalSearch : ILocalSearch
{
    private const double Tolerance = 1e-12;

    /// <summary>Steps between two questions to <see cref="Improve"/>'s stop callback.</summary>
    internal const int StopCheckSteps = 8;
    private readonly int _targets;
    private readonly int _swapShards;
    private readonly int _swapTargets;
    private readonly int _swapPartners;

    public HottestNodeLocalSearch(int targets = 8, int swapShards = 24, int swapTargets = 2, int swapPartners = 8)
    {
        _targets = targets;
        _swapShards = swapShards;
        _swapTargets = swapTargets;
        _swapPartners = swapPartners;
    }

    public void Improve(AssignmentChromosome chromosome, int maxSteps, ref SplitMix64 random, Func<bool>? stop = null)
    {
        var p = chromosome.Problem;
        if (p.Nodes < 2)
        {
            return;
        }

        for (var step = 0; step < maxSteps; step++)
        {
            // Asked every StopCheckSteps steps, not every step: it may read a clock, and a step of a small problem is cheap.
            if (stop is not null && step > 0 && step % StopCheckSteps == 0 && stop())
            {
                return;
            }

            if (!TryStep(chromosome, ref random))
            {
                return;
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private bool TryStep(AssignmentChromosome c, ref SplitMix64 random)
    {
        var p = c.Problem;
        var index = PeakIndex.Build(c.NodePeak);
        if (p.OverflowWeight > 0 && TryRelieveOverflow(c, index))
        {
            return true;
        }

        if (p.BreachSumWeight > 0 && TryRelieveBreaches(c, index))
        {
            return true;
        }

        var hot = index.Hottest;
        var hotPeak = index.Max;
        if (hotPeak <= 0 || hotPeak <= p.PeakFloor)
        {
            return false;
        }

        var ties = 0;
        foreach (var v in c.NodePeak)
        {
            if (v >= hotPeak - Tolerance)
            {
                ties++;
            }
        }

        var coolest = c.NodeScratch;
        var targets = SelectCoolest(c.NodePeak, hot, Math.Min(_targets, p.Nodes - 1), coolest);
        var swapTargets = Math.Min(_swapTargets, targets);

        // With several resources and steps the hot node is short of one dimension; the nodes with most room there
        // are often not the ones with the lowest peak, so they are candidates too.
        var roomiest = c.TargetScratch;
        var roomy = SelectRoomiest(c, hot, Math.Min(_targets, p.Nodes - 1), roomiest, coolest, targets);

        // The hot node's movable shards, and swap partners on the coolest nodes.
        var shards = c.ShardScratch;
        var partners = c.PartnerScratch;
        var count = 0;
        var partnerCount = 0;
        for (var s = c.FirstOnNode(hot); s >= 0; s = c.NextOnNode(s))
        {
            if (!p.Pinned[s])
            {
                shards[count++] = s;
            }
        }

        for (var k = 0; k < swapTargets; k++)
        {
            for (var s = c.FirstOnNode(coolest[k]); s >= 0; s = c.NextOnNode(s))
            {
                if (!p.Pinned[s])
                {
                    partners[partnerCount++] = s;
                }
            }
        }

        if (count == 0)
        {
            return false;
        }

        var bestDelta = -Tolerance;
        var bestShard = -1;
        var bestTarget = -1;
        for (var i = 0; i < count; i++)
        {
            var s = shards[i];
            var newHot = c.PeakBelow(hot, p.ChangeQ(s, hot), -1, hotPeak - Tolerance);
            if (double.IsPositiveInfinity(newHot))
            {
                continue;
            }

            var home = p.Current[s];
            for (var k = -1; k < targets + roomy; k++)
            {
                var to = k < 0 ? home : k < targets ? coolest[k] : roomiest[k - targets];
                if (to == hot || (k >= 0 && to == home))
                {
                    continue;
                }

                var movedDelta = PlacementFitness.MovedBytesDelta(c, s, to);
                var countDelta = PlacementFitness.MovedCountDelta(c, s, to);
                if (c.MovedBytes + movedDelta > p.MoveBudgetBytes || c.MovedCount + countDelta > p.MaxMoves)
                {
                    continue;
                }

                if (p.LoadsNonNegative)
                {
                    // Arriving cannot lower the target's peak or overflow, so the score with the target's current peak in
                    // place of its new one and no overflow gained there is a lower bound of the exact score: every term is
                    // monotone in those two, and the terms are summed in the same order, so in floating point too. A
                    // candidate whose bound cannot beat the best so far is skipped before its new peak is computed (most
                    // are, once a good move is found); the search takes exactly the moves it took without the bound.
                    var toPeak = c.NodePeak[to];
                    var bound = PeakDelta(p, index, ties, hot, to, hotPeak, newHot, toPeak)
                        + PlacementFitness.BreachChange(c, s, hot, to, newHot, toPeak)
                        + OverflowLowerBound(c, hot, to)
                        + p.MoveCost(movedDelta, countDelta)
                        + p.Locality(s, to) - p.Locality(s, hot);
                    if (bound >= bestDelta)
                    {
                        continue;
                    }
                }

                var newTo = c.PeakBelow(to, p.ChangeQ(s, to), +1, hotPeak - Tolerance);
                if (double.IsPositiveInfinity(newTo))
                {
                    continue;
                }

                var delta = PeakDelta(p, index, ties, hot, to, hotPeak, newHot, newTo)
                    + PlacementFitness.BreachChange(c, s, hot, to, newHot, newTo)
                    + OverflowDelta(c, s, hot, to)
                    + p.MoveCost(movedDelta, countDelta)
                    + p.Locality(s, to) - p.Locality(s, hot);
                if (delta < bestDelta)
                {
                    bestDelta = delta;
                    bestShard = s;
                    bestTarget = to;
                }
            }
        }

        if (bestShard >= 0)
        {
            c.Move(bestShard, bestTarget);
            return true;
        }

        return partnerCount > 0 && TrySwap(c, index, ties, shards, count, partners, partnerCount, ref random);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private bool TrySwap(AssignmentChromosome c, in PeakIndex index, int ties, int[] hotShards, int hotCount, int[] partners, int partnerCount, ref SplitMix64 random)
    {
        var p = c.Problem;
        var hot = index.Hottest;
        var hotPeak = index.Max;
        var dims = p.Dimensions;
        var delta = c.DeltaScratch;
        var delta99 = c.DeltaScratch99;
        var toDelta = c.TargetDeltaScratch;
        var bestDelta = -Tolerance;
        var bestA = -1;
        var bestB = -1;
        var tries = Math.Min(_swapShards, hotCount);
        var draws = Math.Min(_swapPartners * 2, partnerCount);
        for (var i = 0; i < tries; i++)
        {
            var a = hotShards[tries == hotCount ? i : random.Next(hotCount)];
            var loadA = p.ChangeQ(a, hot);
            var loadA99 = p.Load99Of(a);
            for (var j = 0; j < draws; j++)
            {
                var b = partners[draws == partnerCount ? j : random.Next(partnerCount)];
                var to = c.Genes[b];
                var loadB = p.ChangeQ(b, hot);
                var loadB99 = p.Load99Of(b);
                for (var d = 0; d < dims; d++)
                {
                    delta[d] = loadA[d] - loadB[d];
                    delta99[d] = loadA99[d] - loadB99[d];
                }

                // With a move transient a shard weighs differently on its current node and elsewhere, so the partner node
                // sees its own difference at the planning quantile; without one both nodes see the same. The overflow
                // quantile pays no overhead, so there both nodes always see delta99.
                var deltaTo = p.HasMoveTransient ? toDelta : delta;
                if (p.HasMoveTransient)
                {
                    var arriveA = p.ChangeQ(a, to);
                    var leaveB = p.ChangeQ(b, to);
                    for (var d = 0; d < dims; d++)
                    {
                        toDelta[d] = arriveA[d] - leaveB[d];
                    }
                }

                var newHot = c.PeakBelow(hot, delta, -1, hotPeak - Tolerance);
                var newTo = double.IsPositiveInfinity(newHot) ? newHot : c.PeakBelow(to, deltaTo, +1, hotPeak - Tolerance);
                if (double.IsPositiveInfinity(newTo))
                {
                    continue;
                }

                var movedDelta = SwapMovedDelta(c, a, b, hot, to);
                var countDelta = PlacementFitness.MovedCountDelta(c, a, to) + PlacementFitness.MovedCountDelta(c, b, hot);
                if (c.MovedBytes + movedDelta > p.MoveBudgetBytes || c.MovedCount + countDelta > p.MaxMoves)
                {
                    continue;
                }

                var overflow = PlacementFitness.OverflowPenaltyChange(c, delta99, hot, to);
                var score = PeakDelta(p, index, ties, hot, to, hotPeak, newHot, newTo)
                    + PlacementFitness.SwapBreachChange(c, a, b, hot, to, newHot, newTo)
                    + (p.OverflowWeight * overflow)
                    + p.MoveCost(movedDelta, countDelta)
                    + p.Locality(a, to) - p.Locality(a, hot) + p.Locality(b, hot) - p.Locality(b, to);
                if (score < bestDelta)
                {
                    bestDelta = score;
                    bestA = a;
                    bestB = b;
                }
            }
        }

        if (bestA < 0)
        {
            return false;
        }

        var target = c.Genes[bestB];
        c.MoveLoads(bestA, hot, target);
        c.MoveLoads(bestB, target, hot);
        c.RefreshNode(hot);
        c.RefreshNode(target);
        return true;
    }

    /// <summary>
    /// A node over capacity at the overflow quantile need not be the hottest at the planning quantile; its overflow
    /// weighs more than any peak, so it is relieved first: the best exact improvement moving one of its shards home or
    /// to one of the coolest nodes.
    /// </summary>
    private bool TryRelieveOverflow(AssignmentChromosome c, in PeakIndex index)
    {
        var p = c.Problem;
        var worst = -1;
        double worstOverflow = 0;
        for (var n = 0; n < p.Nodes; n++)
        {
            if (c.NodeOverflow[n] > worstOverflow)
            {
                worstOverflow = c.NodeOverflow[n];
                worst = n;
            }
        }

        return worst >= 0 && TryBestMoveOff(c, index, worst);
    }

    /// <summary>
    /// Makes the best exact improvement (<see cref="PlacementFitness.MoveDelta"/>) that moves one of node
    /// <paramref name="node"/>'s shards home or to one of the coolest nodes, within the move budget; false when none improves.
    /// </summary>
    private bool TryBestMoveOff(AssignmentChromosome c, in PeakIndex index, int node)
    {
        var p = c.Problem;
        var coolest = c.NodeScratch;
        var targets = SelectCoolest(c.NodePeak, node, Math.Min(_targets, p.Nodes - 1), coolest);
        var bestDelta = -Tolerance;
        var bestShard = -1;
        var bestTarget = -1;
        for (var s = c.FirstOnNode(node); s >= 0; s = c.NextOnNode(s))
        {
            if (p.Pinned[s])
            {
                continue;
            }

            var home = p.Current[s];
            for (var k = -1; k < targets; k++)
            {
                var to = k < 0 ? home : coolest[k];
                if (to == node || (k >= 0 && to == home) || c.MovedBytes + PlacementFitness.MovedBytesDelta(c, s, to) > p.MoveBudgetBytes
                    || c.MovedCount + PlacementFitness.MovedCountDelta(c, s, to) > p.MaxMoves)
                {
                    continue;
                }

                var delta = PlacementFitness.MoveDelta(c, s, to, index, out _, out _);
                if (delta < bestDelta)
                {
                    bestDelta = delta;
                    bestShard = s;
                    bestTarget = to;
                }
            }
        }

        if (bestShard < 0)
        {
            return false;
        }

        c.Move(bestShard, bestTarget);
        return true;
    }

    /// <summary>
    /// With <see cref="PlacementProblem.BreachSumWeight"/>, every node over its threshold counts, not only the hottest: the
    /// nodes over their thresholds are tried worst first, and the first with an exact improvement (one of its shards moved
    /// home or to one of the coolest nodes) gets it, so a breach beside a node no move can help (a shard hotter than its
    /// threshold) is still relieved.
    /// </summary>
    /// <remarks>
    /// <see cref="PlacementProblem.IsolationWeight"/> alone does not run this step: a node holding a shard that fills an
    /// allowance is usually the hottest, where the main step already scores its moves with that weight, and taking the
    /// first improvement off such nodes before the hottest node's best move cost the 16-node comparison 5 overloaded
    /// node-minutes and k3000 one (docs/measurements.md).
    /// </remarks>
    private bool TryRelieveBreaches(AssignmentChromosome c, in PeakIndex index)
    {
        var p = c.Problem;
        Span<bool> tried = p.Nodes <= 512 ? stackalloc bool[p.Nodes] : new bool[p.Nodes];
        while (true)
        {
            var worst = -1;
            for (var n = 0; n < p.Nodes; n++)
            {
                if (!tried[n] && c.NodePeak[n] > 1 && (worst < 0 || c.NodePeak[n] > c.NodePeak[worst]))
                {
                    worst = n;
                }
            }

            if (worst < 0)
            {
                return false;
            }

            tried[worst] = true;
            if (TryBestMoveOff(c, index, worst))
            {
                return true;
            }
        }
    }

    private static double PeakDelta(PlacementProblem p, in PeakIndex index, int ties, int hot, int to, double hotPeak, double newHot, double newTo)
    {
        var pairPeak = Math.Max(newHot, newTo);
        return ties <= 1
            ? p.CountedPeak(Math.Max(index.MaxExcluding(hot, to), pairPeak)) - p.CountedPeak(hotPeak)
            : (p.CountedPeak(pairPeak) - p.CountedPeak(hotPeak)) / ties;
    }

    /// <summary>
    /// A lower bound of <see cref="OverflowDelta"/> for a move from <paramref name="from"/> to <paramref name="to"/> when loads
    /// are not negative: the source's overflow cannot fall below 0 and the target's cannot fall, and the penalty grows with
    /// the overflow, so the change is at least minus the source's penalty. Written in <see cref="OverflowDelta"/>'s order of operations, so it bounds it in floating
    /// point too.
    /// </summary>
    private static double OverflowLowerBound(AssignmentChromosome c, int from, int to)
    {
        var p = c.Problem;
        if (p.OverflowWeight == 0)
        {
            return 0;
        }

        var toOverflow = p.OverflowPenalty(c.NodeOverflow[to]);
        return p.OverflowWeight * (0 + toOverflow - p.OverflowPenalty(c.NodeOverflow[from]) - toOverflow);
    }

    private static double OverflowDelta(AssignmentChromosome c, int s, int from, int to)
    {
        var p = c.Problem;
        if (p.OverflowWeight == 0)
        {
            return 0;
        }

        var load99 = p.Load99Of(s);
        return p.OverflowWeight * PlacementFitness.OverflowPenaltyChange(c, load99, from, to);
    }

    /// <summary>The change of moved bytes if shard a moved from <paramref name="nodeA"/> to <paramref name="nodeB"/> and shard b the other way.</summary>
    internal static long SwapMovedDelta(AssignmentChromosome c, int a, int b, int nodeA, int nodeB)
    {
        var p = c.Problem;
        long change = 0;
        change += MovedChange(p.Current[a], p.Bytes[a], nodeA, nodeB);
        change += MovedChange(p.Current[b], p.Bytes[b], nodeB, nodeA);
        return change;
    }

    private static long MovedChange(int home, long bytes, int from, int to) =>
        from == home ? bytes : to == home ? -bytes : 0;

    /// <summary>
    /// Writes up to <paramref name="k"/> nodes with the most room in the hot node's bottleneck dimension that are not
    /// already among the <paramref name="taken"/> ones into <paramref name="result"/>.
    /// </summary>
    private static int SelectRoomiest(AssignmentChromosome c, int hot, int k, int[] result, int[] taken, int takenCount)
    {
        var p = c.Problem;
        if (p.Dimensions == 1 || k == 0)
        {
            return 0;
        }

        var dims = p.Dimensions;
        var bottleneck = 0;
        double worst = -1;
        for (var d = 0; d < dims; d++)
        {
            var v = c.NodeLoad[(hot * dims) + d] * p.InvAllowance[(hot * p.Resources) + (d / p.Steps)];
            if (v > worst)
            {
                worst = v;
                bottleneck = d;
            }
        }

        var resource = bottleneck / p.Steps;
        var filled = 0;
        Span<double> level = stackalloc double[Math.Min(k, 64)];
        k = level.Length;
        for (var n = 0; n < p.Nodes; n++)
        {
            if (n == hot || Array.IndexOf(taken, n, 0, takenCount) >= 0)
            {
                continue;
            }

            var v = c.NodeLoad[(n * dims) + bottleneck] * p.InvAllowance[(n * p.Resources) + resource];
            if (filled == k && v >= level[k - 1])
            {
                continue;
            }

            var pos = filled < k ? filled++ : k - 1;
            while (pos > 0 && level[pos - 1] > v)
            {
                level[pos] = level[pos - 1];
                result[pos] = result[pos - 1];
                pos--;
            }

            level[pos] = v;
            result[pos] = n;
        }

        return filled;
    }

    /// <summary>Writes the <paramref name="k"/> nodes with the lowest peaks (other than <paramref name="exclude"/>) into <paramref name="result"/>, coolest first.</summary>
    internal static int SelectCoolest(double[] peaks, int exclude, int k, int[] result)
    {
        var filled = 0;
        for (var n = 0; n < peaks.Length; n++)
        {
            if (n == exclude)
            {
                continue;
            }

            var v = peaks[n];
            if (filled == k && v >= peaks[result[k - 1]])
            {
                continue;
            }

            var pos = filled < k ? filled++ : k - 1;
            while (pos > 0 && peaks[result[pos - 1]] > v)
            {
                result[pos] = result[pos - 1];
                pos--;
            }

            result[pos] = n;
        }

        return filled;
    }
}
