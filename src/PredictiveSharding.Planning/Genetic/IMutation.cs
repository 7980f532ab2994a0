namespace PredictiveSharding.Planning.Genetic;

/// <summary>Changes a child a little (GeneticSharp's IMutation). Pinned shards must stay put.</summary>
internal interface IMutation
{
    void Mutate(AssignmentChromosome chromosome, ref SplitMix64 random);
}
