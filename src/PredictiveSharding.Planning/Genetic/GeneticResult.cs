namespace PredictiveSharding.Planning.Genetic;

/// <summary>The outcome of a run.</summary>
/// <param name="Best">The best chromosome found (owned by the caller now).</param>
/// <param name="Generations">Generations completed.</param>
/// <param name="StoppedBy">The termination that ended the run.</param>
internal sealed record GeneticResult(AssignmentChromosome Best, int Generations, string StoppedBy);
