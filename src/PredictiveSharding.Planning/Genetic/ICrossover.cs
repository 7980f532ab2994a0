namespace PredictiveSharding.Planning.Genetic;

/// <summary>Combines two parents into a child (GeneticSharp's ICrossover). The child's derived state must be consistent afterwards.</summary>
internal interface ICrossover
{
    void Cross(AssignmentChromosome first, AssignmentChromosome second, AssignmentChromosome child, ref SplitMix64 random);
}
