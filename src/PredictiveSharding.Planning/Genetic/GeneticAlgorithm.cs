using PredictiveSharding.Planning.Placement;

namespace PredictiveSharding.Planning.Genetic;

/// <summary>
/// The GA engine, shaped like GeneticSharp's: a population of <see cref="AssignmentChromosome"/>s, and replaceable
/// fitness, selection, crossover, mutation, repair, local search, reinsertion and termination parts.
/// </summary>
/// <remarks>
/// Reproducible: parents are drawn on one thread from a generator seeded by (seed, generation); each child is then
/// built and scored in parallel with its own generator seeded by (seed, generation, child), and the next generation is
/// sorted stably by fitness. Nothing therefore depends on which thread builds which child, or when.
/// </remarks>
internal sealed class GeneticAlgorithm
{
    private const int MasterStream = int.MaxValue;

    // The rebuild's four candidates per round search differently: moving off the hottest 1 to 4 nodes, choosing among
    // the best 2 to 4 moves or swaps. Stateless, so shared by every run.
    private static readonly ILocalSearch[] RebuildSearches =
        [new SpreadDescent(3, 3), new SpreadDescent(2, 2), new SpreadDescent(1, 3), new SpreadDescent(4, 4)];
    private readonly PlacementProblem _problem;
    private readonly GeneticPlannerOptions _options;
    private readonly TimeProvider _time;

    public GeneticAlgorithm(PlacementProblem problem, GeneticPlannerOptions options, TimeProvider time)
    {
        _problem = problem;
        _options = options;
        _time = time;
        Selection = new TournamentSelection(options.TournamentSize);
        Mutation = new CompositeMutation(new MoveAwareMutation(), SwapMutation.Instance);
        LocalSearch = options.LocalSearch ? new HottestNodeLocalSearch() : null;
        Reinsertion = new ElitistReinsertion(options.EliteCount);
        Termination = new AnyTermination(
            new GenerationTermination(options.MaxGenerations),
            new StagnationTermination(options.StagnationLimit),
            new TimeBudgetTermination(options.TimeBudget));
    }

    public IFitness Fitness { get; init; } = PlacementFitness.Instance;

    public ISelection Selection { get; init; }

    /// <summary>Used for three children in four; the rest use <see cref="SecondaryCrossover"/>.</summary>
    public ICrossover Crossover { get; init; } = UniformCrossover.Instance;

    public ICrossover SecondaryCrossover { get; init; } = OnePointCrossover.Instance;

    public IMutation Mutation { get; init; }

    public IRepair Repair { get; init; } = MoveBudgetRepair.Instance;

    public ILocalSearch? LocalSearch { get; init; }

    public IReinsertion Reinsertion { get; init; }

    public ITermination Termination { get; init; }

    /// <summary>
    /// Runs the search from the given seed placements (each a gene array; the first should be the current placement).
    /// The population holds each seed as given, each seed after a long local search, and perturbed copies of them.
    /// </summary>
    /// <param name="seeds">The seed placements.</param>
    /// <param name="cancellationToken">Asked before each individual is seeded and each child is bred, and between generations.</param>
    /// <param name="startedAt">
    /// The <see cref="TimeProvider"/> timestamp the time budget counts from: the planner's, taken before it built the
    /// seeds, so that building them is paid from the budget too. Null: now.
    /// </param>
    /// <exception cref="OperationCanceledException">Cancelled.</exception>
    public GeneticResult Run(IReadOnlyList<int[]> seeds, CancellationToken cancellationToken, long? startedAt = null)
    {
        ArgumentOutOfRangeException.ThrowIfZero(seeds.Count);
        var started = startedAt ?? _time.GetTimestamp();
        var size = _options.PopulationSize;
        var population = new AssignmentChromosome[size];
        for (var i = 0; i < size; i++)
        {
            population[i] = new AssignmentChromosome(_problem);
        }

        var parallel = new ParallelOptions { MaxDegreeOfParallelism = _options.DegreeOfParallelism };

        // Seeding runs long local searches (as many steps as there are shards for the first ones), which on a large
        // cluster take longer than the time budget: they end once it is spent or the run is cancelled. Only then does
        // the clock matter here, so a seeding that ends within the budget is the same on any machine.
        bool Stop() => cancellationToken.IsCancellationRequested || _time.GetElapsedTime(started) >= _options.TimeBudget;
        ForEach(size, parallel, i => Initialize(population[i], seeds, i, Stop, cancellationToken));
        ElitistReinsertion.SortByFitness(population);
        cancellationToken.ThrowIfCancellationRequested();

        var elites = Math.Min(_options.EliteCount, size);
        var children = new AssignmentChromosome[size - elites];
        for (var i = 0; i < children.Length; i++)
        {
            children[i] = new AssignmentChromosome(_problem);
        }

        var firstParents = new int[children.Length];
        var secondParents = new int[children.Length];
        var generation = 0;
        var sinceImprovement = 0;
        var best = population[0].Fitness;
        var seededFitness = best;
        var seedingTime = _time.GetElapsedTime(started);
        while (!Termination.HasReached(new GeneticState(generation, sinceImprovement, _time.GetElapsedTime(started), best)))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var master = SplitMix64.ForStream(_options.Seed, generation + 1, MasterStream);
            for (var c = 0; c < children.Length; c++)
            {
                firstParents[c] = Selection.Select(population, ref master);
                secondParents[c] = Selection.Select(population, ref master);
            }

            var next = generation + 1;

            // A generation of a huge cluster takes seconds (about 3 s on 100,000 shards × 500 nodes): a cancelled run
            // breeds no further child, and the half-bred generation is thrown away.
            ForEach(children.Length, parallel, c =>
            {
                if (!cancellationToken.IsCancellationRequested)
                {
                    Breed(population[firstParents[c]], population[secondParents[c]], children[c], next, c);
                }
            });
            cancellationToken.ThrowIfCancellationRequested();
            Reinsertion.Reinsert(population, children);
            generation = next;
            // Improvements below a millionth of the objective (a shard of a few kilobytes returned home) do not count
            // against stagnation: they would keep a converged run going for nothing.
            if (population[0].Fitness < best - (1e-6 * Math.Max(1, Math.Abs(best))))
            {
                best = population[0].Fitness;
                sinceImprovement = 0;
            }
            else
            {
                sinceImprovement++;
            }
        }

        var stoppedBy = Termination is AnyTermination any ? any.Name : Termination.Name;
        var rebuildRounds = 0;
        if (_options.RebuildMovedSet && LocalSearch is not null && population[0].MovedCount >= 2 && BudgetCanBind(_problem) && !Stop())
        {
            // The GA stalls once a binding move budget is spent (see MovedSetRebuild); what is left of the time budget
            // goes to rebuilding the best plan's moved set. With fewer than two moves there is nothing to trade: the GA
            // has tried every single move already.
            // Twice the stagnation limit, counted in long: a limit past 2^30 (a host's "never stop by stagnation") wrapped
            // round to a negative patience in an int, and the rebuild ran no round.
            var patience = (int)Math.Min(2L * _options.StagnationLimit, int.MaxValue);
            var rebuild = new MovedSetRebuild(RebuildSearches, LocalSearch, Fitness, _options.LocalSearchSteps * 2, patience);
            rebuildRounds = rebuild.Improve(population[0], _options.Seed, parallel, Stop);
            cancellationToken.ThrowIfCancellationRequested();
            if (_time.GetElapsedTime(started) >= _options.TimeBudget)
            {
                stoppedBy = "time budget";
            }
        }

        return new GeneticResult(population[0], generation, stoppedBy, seedingTime, seededFitness, rebuildRounds);
    }

    /// <summary>Whether the move budget (bytes or count) is smaller than moving every movable shard would need.</summary>
    private static bool BudgetCanBind(PlacementProblem p)
    {
        long bytes = 0;
        var count = 0;
        for (var s = 0; s < p.Shards; s++)
        {
            if (!p.Pinned[s])
            {
                bytes += p.Bytes[s];
                count++;
            }
        }

        return p.MoveBudgetBytes < bytes || p.MaxMoves < count;
    }

    private void Initialize(AssignmentChromosome chromosome, IReadOnlyList<int[]> seeds, int index, Func<bool> stop, CancellationToken cancellationToken)
    {
        // Cancelled: the population is thrown away once seeding ends, so nothing more is built.
        if (cancellationToken.IsCancellationRequested)
        {
            return;
        }

        var random = SplitMix64.ForStream(_options.Seed, 0, index);
        chromosome.Assign(seeds[index % seeds.Count]);
        if (index >= seeds.Count * 2)
        {
            // Diversity: perturb a seed by a few percent of its shards before the local search pulls it back into shape.
            var perturbations = 1 + Math.Min(_problem.Shards / 20, 64);
            for (var k = 0; k < perturbations; k++)
            {
                Mutation.Mutate(chromosome, ref random);
            }
        }

        // A greedy seed moves nearly every shard; under a tight move budget on a huge cluster its scored repair takes
        // seconds, so it too ends quickly once the budget is spent or the run cancelled.
        Repair.Repair(chromosome, ref random, stop);
        if (index >= seeds.Count && LocalSearch is not null && !stop())
        {
            // The seeds themselves get a long search: from the current placement it drains the hot nodes with few
            // moves, which is what a move-cost-aware plan needs (the greedy seed moves nearly every shard).
            var steps = index < seeds.Count * 2 ? Math.Max(_options.LocalSearchSteps * 8, _problem.Shards) : _options.LocalSearchSteps * 2;
            LocalSearch.Improve(chromosome, steps, ref random, stop);
        }

        Fitness.Evaluate(chromosome);
    }

    private void Breed(AssignmentChromosome first, AssignmentChromosome second, AssignmentChromosome child, int generation, int index)
    {
        var random = SplitMix64.ForStream(_options.Seed, generation, index);
        if (random.NextDouble() < _options.CrossoverRate)
        {
            var crossover = random.NextDouble() < 0.75 ? Crossover : SecondaryCrossover;
            crossover.Cross(first, second, child, ref random);
        }
        else
        {
            child.CopyFrom(first);
        }

        if (random.NextDouble() < _options.MutationRate)
        {
            Mutation.Mutate(child, ref random);
        }

        Repair.Repair(child, ref random);
        LocalSearch?.Improve(child, _options.LocalSearchSteps, ref random);
        Fitness.Evaluate(child);
    }

    private static void ForEach(int count, ParallelOptions options, Action<int> body)
    {
        if (options.MaxDegreeOfParallelism == 1 || count == 1)
        {
            for (var i = 0; i < count; i++)
            {
                body(i);
            }
        }
        else
        {
            Parallel.For(0, count, options, body);
        }
    }
}
