namespace PredictiveSharding.Planning.Genetic;

/// <summary>Improves a chromosome in place by a few greedy steps (memetic part of the GA).</summary>
internal interface ILocalSearch
{
    /// <param name="chromosome">The chromosome to improve.</param>
    /// <param name="maxSteps">Most improving steps.</param>
    /// <param name="random">The generator for random choices.</param>
    /// <param name="stop">
    /// Asked now and then during a long search (null: never); when it answers true the search ends where it is. It lets the
    /// GA honour cancellation and its time budget inside a search of thousands of steps.
    /// </param>
    void Improve(AssignmentChromosome chromosome, int maxSteps, ref SplitMix64 random, Func<bool>? stop = null);
}
