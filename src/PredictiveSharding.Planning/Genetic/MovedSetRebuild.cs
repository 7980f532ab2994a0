namespace PredictiveSharding.Planning.Genetic;

/// <summary>
/// Ruin and recreate for a move budget that binds: sends some of the best plan's moved shards home, spends the freed
/// budget again with a randomised search (<see cref="SpreadDescent"/>), polishes with the GA's greedy local search, and
/// keeps the result when it scores better. Runs after the GA, from its best plan.
/// </summary>
/// <remarks>
/// <para>
/// Why: once the budget is spent, every move the GA's operators try is undone by repair or refused by the local
/// search, and a better plan needs several moves given back for several others at once (CP-SAT's proven optima on
/// budgeted instances move different shards off the hot node, trade hot shards between nodes and make room elsewhere).
/// The GA then stopped by stagnation up to 6% above the proven optimum; a one-for-one exchange reached only part of
/// that (docs/measurements.md).
/// </para>
/// <para>
/// Each round builds <see cref="Width"/> candidates from the incumbent, each with its own recreating search and its
/// own generator seeded by (seed, round, candidate), and keeps the best if it improves the incumbent; a constant width
/// rather than the degree of parallelism keeps the result the same on any machine.
/// </para>
/// </remarks>
internal sealed class MovedSetRebuild
{
    /// <summary>Candidates per round.</summary>
    internal const int Width = 4;

    // Negative generations keep the rebuild's streams apart from the GA's (generations 0 and up).
    private const int StreamBase = -1;
    private readonly ILocalSearch[] _recreate;
    private readonly ILocalSearch _polish;
    private readonly IFitness _fitness;
    private readonly int _steps;
    private readonly int _patience;

    /// <param name="recreate">The randomised searches that spend the freed budget, one per candidate of a round (<see cref="Width"/>).</param>
    /// <param name="polish">The GA's greedy local search, run after each recreate.</param>
    /// <param name="fitness">The objective.</param>
    /// <param name="steps">Most steps of each search per candidate (the recreate gets as many more as shards were sent home).</param>
    /// <param name="patience">Rounds without an improvement after which the rebuild ends.</param>
    public MovedSetRebuild(ILocalSearch[] recreate, ILocalSearch polish, IFitness fitness, int steps, int patience)
    {
        ArgumentOutOfRangeException.ThrowIfNotEqual(recreate.Length, Width);
        _recreate = recreate;
        _polish = polish;
        _fitness = fitness;
        _steps = steps;
        _patience = patience;
    }

    /// <summary>
    /// Improves <paramref name="incumbent"/> in place (its fitness must be current); returns the rounds run. Ends after
    /// <c>patience</c> rounds without an improvement, when nothing is moved, or when <paramref name="stop"/> answers true
    /// (asked between rounds and inside each search).
    /// </summary>
    public int Improve(AssignmentChromosome incumbent, int seed, ParallelOptions parallel, Func<bool> stop)
    {
        var p = incumbent.Problem;
        var candidates = new AssignmentChromosome[Width];
        for (var i = 0; i < Width; i++)
        {
            candidates[i] = new AssignmentChromosome(p);
        }

        var rounds = 0;
        var sinceImprovement = 0;
        while (sinceImprovement < _patience && incumbent.MovedCount > 0 && !stop())
        {
            var round = rounds;
            Parallel.For(0, Width, parallel, i => Rebuild(_recreate[i], incumbent, candidates[i], SplitMix64.ForStream(seed, StreamBase - round, i), stop));
            rounds++;
            var best = candidates[0];
            for (var i = 1; i < Width; i++)
            {
                if (candidates[i].Fitness < best.Fitness)
                {
                    best = candidates[i];
                }
            }

            // As in the GA, improvements below a millionth of the objective do not reset the patience.
            var improves = best.Fitness < incumbent.Fitness - (1e-6 * Math.Max(1, Math.Abs(incumbent.Fitness)));
            if (best.Fitness < incumbent.Fitness)
            {
                incumbent.CopyFrom(best);
            }

            sinceImprovement = improves ? 0 : sinceImprovement + 1;
        }

        return rounds;
    }

    private void Rebuild(ILocalSearch recreate, AssignmentChromosome incumbent, AssignmentChromosome candidate, SplitMix64 random, Func<bool> stop)
    {
        var p = candidate.Problem;
        candidate.CopyFrom(incumbent);
        var moved = candidate.ShardScratch;
        var count = 0;
        for (var s = 0; s < p.Shards; s++)
        {
            if (candidate.Genes[s] != p.Current[s] && !p.Pinned[s])
            {
                moved[count++] = s;
            }
        }

        if (count == 0)
        {
            return;
        }

        // Ruin: either the moves into one node (room made there for others) or a random number of random ones.
        var ruin = 1 + random.Next(count);
        var sent = 0;
        if (random.NextDouble() < 0.5)
        {
            var node = candidate.Genes[moved[random.Next(count)]];
            for (var i = 0; i < count && sent < ruin; i++)
            {
                var s = moved[i];
                if (candidate.Genes[s] == node)
                {
                    candidate.Move(s, p.Current[s]);
                    sent++;
                }
            }
        }
        else
        {
            for (var i = 0; i < ruin; i++)
            {
                // A partial Fisher–Yates draw of distinct moved shards.
                var j = i + random.Next(count - i);
                (moved[i], moved[j]) = (moved[j], moved[i]);
                candidate.Move(moved[i], p.Current[moved[i]]);
            }

            sent = ruin;
        }

        recreate.Improve(candidate, _steps + sent, ref random, stop);
        _polish.Improve(candidate, _steps, ref random, stop);
        _fitness.Evaluate(candidate);
    }
}
