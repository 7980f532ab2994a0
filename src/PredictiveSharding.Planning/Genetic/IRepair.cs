namespace PredictiveSharding.Planning.Genetic;

/// <summary>Makes a chromosome satisfy the hard constraints (pinned shards home, move budget).</summary>
internal interface IRepair
{
    /// <param name="chromosome">The chromosome to repair.</param>
    /// <param name="random">The generator for random choices.</param>
    /// <param name="stop">
    /// Asked now and then during a long repair (null: never); once it answers true the repair still satisfies every
    /// constraint, but by the quickest means rather than the best: a seed far over the move budget on a huge cluster needs
    /// thousands of scored returns, which would keep the GA from honouring its time budget and cancellation.
    /// </param>
    void Repair(AssignmentChromosome chromosome, ref SplitMix64 random, Func<bool>? stop = null);
}
