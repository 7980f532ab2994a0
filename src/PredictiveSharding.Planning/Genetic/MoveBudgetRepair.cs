namespace PredictiveSharding.Planning.Genetic;

/// <summary>
/// Sends pinned shards home, then, while the moved bytes exceed the budget, sends home the moved shard whose return
/// costs the least objective per byte freed among a few drawn at random; then, while more shards are moved than the
/// problem's move count allows, the one whose return costs the least objective. Neither limit is thus ever exceeded.
/// </summary>
/// <remarks>
/// Each scored return costs a pass over the nodes, so a seed that moves most of a huge cluster under a tight budget
/// takes seconds to repair; the stop callback is asked every <see cref="StopCheckSends"/> returns, and once it answers
/// true the rest of the excess goes home unscored (the limits still hold).
/// </remarks>
internal sealed class MoveBudgetRepair : IRepair
{
    private const int Candidates = 8;

    /// <summary>Scored returns between two questions to the stop callback (it may read a clock).</summary>
    internal const int StopCheckSends = 32;

    public static MoveBudgetRepair Instance { get; } = new();

    public void Repair(AssignmentChromosome chromosome, ref SplitMix64 random, Func<bool>? stop = null)
    {
        var p = chromosome.Problem;
        for (var s = 0; s < p.Shards; s++)
        {
            if (p.Pinned[s] && chromosome.Genes[s] != p.Current[s])
            {
                chromosome.Move(s, p.Current[s]);
            }
        }

        if (chromosome.MovedBytes <= p.MoveBudgetBytes && chromosome.MovedCount <= p.MaxMoves)
        {
            return;
        }

        var moved = chromosome.ShardScratch;
        var count = 0;
        for (var s = 0; s < p.Shards; s++)
        {
            if (chromosome.Genes[s] != p.Current[s])
            {
                moved[count++] = s;
            }
        }

        var sends = 0;
        var quick = false;
        while (chromosome.MovedBytes > p.MoveBudgetBytes && count > 0)
        {
            quick = quick || Stopped(stop, ++sends);
            if (quick)
            {
                SendLastHome(chromosome, moved, ref count);
            }
            else
            {
                SendOneHome(chromosome, ref random, moved, ref count, perByte: true);
            }
        }

        // A count rather than bytes: what is scarce is the moves the host can start before the next plan, so every kept
        // move should be one whose return would cost the most, whatever its size.
        while (count > p.MaxMoves)
        {
            quick = quick || Stopped(stop, ++sends);
            if (quick)
            {
                SendLastHome(chromosome, moved, ref count);
            }
            else
            {
                SendOneHome(chromosome, ref random, moved, ref count, perByte: false);
            }
        }
    }

    private static bool Stopped(Func<bool>? stop, int sends) => stop is not null && sends % StopCheckSends == 0 && stop();

    /// <summary>Sends home the last shard of <paramref name="moved"/>[0..count), unscored, and drops it from the list.</summary>
    private static void SendLastHome(AssignmentChromosome chromosome, int[] moved, ref int count)
    {
        var shard = moved[--count];
        chromosome.Move(shard, chromosome.Problem.Current[shard]);
    }

    /// <summary>
    /// Sends home the moved shard, among <see cref="Candidates"/> drawn from <paramref name="moved"/>[0..count), whose
    /// return raises the objective least (per byte it frees when <paramref name="perByte"/>), and drops it from the list.
    /// </summary>
    private static void SendOneHome(AssignmentChromosome chromosome, ref SplitMix64 random, int[] moved, ref int count, bool perByte)
    {
        var p = chromosome.Problem;
        var index = PeakIndex.Build(chromosome.NodePeak);
        var bestSlot = -1;
        var bestScore = double.PositiveInfinity;
        var draws = Math.Min(Candidates, count);
        for (var i = 0; i < draws; i++)
        {
            var slot = random.Next(count);
            var s = moved[slot];
            var delta = PlacementFitness.MoveDelta(chromosome, s, p.Current[s], index, out _, out _);
            var score = perByte ? delta / Math.Max(1, p.Bytes[s]) : delta;
            if (score < bestScore || (score == bestScore && slot < bestSlot))
            {
                bestScore = score;
                bestSlot = slot;
            }
        }

        var shard = moved[bestSlot];
        chromosome.Move(shard, p.Current[shard]);
        moved[bestSlot] = moved[--count];
    }
}
