namespace PredictiveSharding.Planning.Genetic;

/// <summary>Stops after a number of generations.</summary>
internal sealed class GenerationTermination(int maxGenerations) : ITermination
{
    public string Name => "generations";

    public bool HasReached(in GeneticState state) => state.Generation >= maxGenerations;
}
