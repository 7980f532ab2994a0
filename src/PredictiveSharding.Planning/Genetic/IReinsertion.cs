namespace PredictiveSharding.Planning.Genetic;

/// <summary>Forms the next generation from the current one and the children (GeneticSharp's IReinsertion).</summary>
internal interface IReinsertion
{
    /// <summary>
    /// Rewrites <paramref name="population"/> (sorted best first) as the next generation, sorted best first, and hands the
    /// chromosomes it drops back in <paramref name="children"/> for reuse.
    /// </summary>
    void Reinsert(AssignmentChromosome[] population, AssignmentChromosome[] children);
}
