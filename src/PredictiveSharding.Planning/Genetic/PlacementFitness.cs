namespace PredictiveSharding.Planning.Genetic;

/// <summary>
/// The placement objective: the predicted peak over nodes, resources and horizon steps (load at the planning quantile
/// as a share of capacity × threshold), plus penalties for capacity overflow at the 0.99 quantile (each node's through
/// <see cref="Placement.PlacementProblem.OverflowPenalty"/>), for every node's peak
/// above its threshold (when weighted, and weighted more on a node holding a shard that fills an allowance alone), for
/// moved bytes and moved shards, and for serving shards away from their clients' region. The move budget is not a penalty: repair keeps it
/// hard.
/// </summary>
internal sealed class PlacementFitness : IFitness
{
    public static PlacementFitness Instance { get; } = new();

    public double Evaluate(AssignmentChromosome chromosome)
    {
        var p = chromosome.Problem;
        double peak = 0;
        double overflow = 0;
        double breaches = 0;
        var peaks = chromosome.NodePeak;
        var overflows = chromosome.NodeOverflow;
        for (var n = 0; n < peaks.Length; n++)
        {
            if (peaks[n] > peak)
            {
                peak = peaks[n];
            }

            overflow += p.OverflowPenalty(overflows[n]);
            breaches += p.Breach(peaks[n], chromosome.HoldsFiller(n));
        }

        var fitness = p.CountedPeak(peak) + (p.OverflowWeight * overflow) + p.MoveCost(chromosome.MovedBytes, chromosome.MovedCount) + chromosome.LocalityCost + breaches;
        chromosome.Fitness = fitness;
        return fitness;
    }

    /// <summary>
    /// The change of the objective if shard s moved to node <paramref name="to"/> (exact; nothing is changed).
    /// <paramref name="index"/> must describe the chromosome's current node peaks.
    /// </summary>
    public static double MoveDelta(AssignmentChromosome c, int s, int to, in PeakIndex index, out double newFromPeak, out double newToPeak)
    {
        var p = c.Problem;
        var from = c.Genes[s];
        if (from == to)
        {
            newFromPeak = newToPeak = c.NodePeak[from];
            return 0;
        }

        newFromPeak = c.PeakOf(from, p.ChangeQ(s, from), -1);
        newToPeak = c.PeakOf(to, p.ChangeQ(s, to), +1);
        var newPeak = Math.Max(index.MaxExcluding(from, to), Math.Max(newFromPeak, newToPeak));
        var delta = p.CountedPeak(newPeak) - p.CountedPeak(index.Max);
        var load99 = p.Load99Of(s);
        delta += p.OverflowWeight * OverflowPenaltyChange(c, load99, from, to);
        delta += BreachChange(c, s, from, to, newFromPeak, newToPeak);
        delta += p.MoveCost(MovedBytesDelta(c, s, to), MovedCountDelta(c, s, to));
        delta += p.Locality(s, to) - p.Locality(s, from);
        return delta;
    }

    /// <summary>
    /// The change of the summed overflow penalty (<see cref="Placement.PlacementProblem.OverflowPenalty"/>, before the
    /// weight) if 0.99-quantile load <paramref name="delta99"/> left node <paramref name="from"/> for node
    /// <paramref name="to"/>. The local search's lower bound is written in this order of operations.
    /// </summary>
    public static double OverflowPenaltyChange(AssignmentChromosome c, ReadOnlySpan<double> delta99, int from, int to)
    {
        var p = c.Problem;
        return p.OverflowPenalty(c.OverflowOf(from, delta99, -1)) + p.OverflowPenalty(c.OverflowOf(to, delta99, +1)) - p.OverflowPenalty(c.NodeOverflow[from]) - p.OverflowPenalty(c.NodeOverflow[to]);
    }

    /// <summary>
    /// The change of the weighted breaches (<see cref="Placement.PlacementProblem.Breach(double, bool)"/>) if shard s
    /// moved from node <paramref name="from"/> to node <paramref name="to"/>, leaving them at the given peaks.
    /// </summary>
    public static double BreachChange(AssignmentChromosome c, int s, int from, int to, double newFromPeak, double newToPeak) =>
        SwapBreachChange(c, s, -1, from, to, newFromPeak, newToPeak);

    /// <summary>
    /// The change of the weighted breaches if shard a moved from node <paramref name="from"/> to node <paramref name="to"/>
    /// and shard b (−1 for none) the other way, leaving the two nodes at the given peaks.
    /// </summary>
    public static double SwapBreachChange(AssignmentChromosome c, int a, int b, int from, int to, double newFromPeak, double newToPeak)
    {
        var p = c.Problem;
        return !p.CountsBreaches ? 0 : p.BreachChange(
            c.NodePeak[from], newFromPeak, c.HoldsFiller(from), c.HoldsFillerAfter(from, a, b),
            c.NodePeak[to], newToPeak, c.HoldsFiller(to), c.HoldsFillerAfter(to, b, a));
    }

    /// <summary>The change of the number of moved shards if shard s moved to node <paramref name="to"/>.</summary>
    public static int MovedCountDelta(AssignmentChromosome c, int s, int to)
    {
        var from = c.Genes[s];
        var home = c.Problem.Current[s];
        return from == to ? 0 : from == home ? 1 : to == home ? -1 : 0;
    }

    /// <summary>The change of moved bytes if shard s moved to node <paramref name="to"/>.</summary>
    public static long MovedBytesDelta(AssignmentChromosome c, int s, int to)
    {
        var p = c.Problem;
        var from = c.Genes[s];
        var home = p.Current[s];
        if (from == to)
        {
            return 0;
        }

        if (from == home)
        {
            return p.Bytes[s];
        }

        return to == home ? -p.Bytes[s] : 0;
    }
}
