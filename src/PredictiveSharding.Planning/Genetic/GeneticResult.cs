namespace PredictiveSharding.Planning.Genetic;

/// <summary>The outcome of a run.</summary>
/// <param name="Best">The best chromosome found (owned by the caller now).</param>
/// <param name="Generations">Generations completed.</param>
/// <param name="StoppedBy">The termination that ended the run.</param>
/// <param name="SeedingTime">Time spent building the first population (seeds, local search, perturbations).</param>
/// <param name="SeededFitness">The best fitness in the first population.</param>
/// <param name="RebuildRounds">Rounds of <see cref="MovedSetRebuild"/> after the GA (0 when the move budget cannot bind).</param>
internal sealed record GeneticResult(AssignmentChromosome Best, int Generations, string StoppedBy, TimeSpan SeedingTime, double SeededFitness, int RebuildRounds);
