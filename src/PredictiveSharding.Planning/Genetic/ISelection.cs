namespace PredictiveSharding.Planning.Genetic;

/// <summary>Chooses a parent from the population (GeneticSharp's ISelection).</summary>
internal interface ISelection
{
    /// <summary>The index of the chosen parent in <paramref name="population"/>.</summary>
    int Select(AssignmentChromosome[] population, ref SplitMix64 random);
}
