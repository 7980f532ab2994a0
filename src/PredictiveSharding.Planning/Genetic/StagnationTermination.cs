namespace PredictiveSharding.Planning.Genetic;

/// <summary>Stops when the best fitness has not improved for a number of generations.</summary>
internal sealed class StagnationTermination(int limit) : ITermination
{
    public string Name => "stagnation";

    public bool HasReached(in GeneticState state) => state.GenerationsSinceImprovement >= limit;
}
