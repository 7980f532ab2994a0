namespace PredictiveSharding.Planning.Genetic;

/// <summary>Improves a chromosome in place by a few greedy steps (memetic part of the GA).</summary>
internal interface ILocalSearch
{
    void Improve(AssignmentChromosome chromosome, int maxSteps, ref SplitMix64 random);
}
