namespace PredictiveSharding.Planning.Genetic;

/// <summary>Applies one of several mutations, chosen uniformly at random.</summary>
internal sealed class CompositeMutation : IMutation
{
    private readonly IMutation[] _mutations;

    public CompositeMutation(params IMutation[] mutations)
    {
        ArgumentOutOfRangeException.ThrowIfZero(mutations.Length);
        _mutations = mutations;
    }

    public void Mutate(AssignmentChromosome chromosome, ref SplitMix64 random) =>
        _mutations[random.Next(_mutations.Length)].Mutate(chromosome, ref random);
}
