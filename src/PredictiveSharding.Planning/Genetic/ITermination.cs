namespace PredictiveSharding.Planning.Genetic;

/// <summary>Decides when a run stops (GeneticSharp's ITermination).</summary>
internal interface ITermination
{
    /// <summary>A short name for logs and plan warnings.</summary>
    string Name { get; }

    bool HasReached(in GeneticState state);
}
