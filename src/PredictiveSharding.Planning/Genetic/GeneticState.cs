namespace PredictiveSharding.Planning.Genetic;

/// <summary>Where a run stands, for termination checks.</summary>
/// <param name="Generation">Generations completed.</param>
/// <param name="GenerationsSinceImprovement">Generations since the best fitness last improved.</param>
/// <param name="Elapsed">Time since the run started.</param>
/// <param name="BestFitness">The best fitness so far.</param>
internal readonly record struct GeneticState(int Generation, int GenerationsSinceImprovement, TimeSpan Elapsed, double BestFitness);
