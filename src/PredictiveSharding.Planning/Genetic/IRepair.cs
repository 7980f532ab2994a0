namespace PredictiveSharding.Planning.Genetic;

/// <summary>Makes a chromosome satisfy the hard constraints (pinned shards home, move budget).</summary>
internal interface IRepair
{
    void Repair(AssignmentChromosome chromosome, ref SplitMix64 random);
}
