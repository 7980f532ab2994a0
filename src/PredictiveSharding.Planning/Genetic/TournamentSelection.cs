namespace PredictiveSharding.Planning.Genetic;

/// <summary>Tournament selection: the fittest of a few individuals drawn at random (ties go to the lower index).</summary>
internal sealed class TournamentSelection : ISelection
{
    private readonly int _size;

    public TournamentSelection(int size)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        _size = size;
    }

    public int Select(AssignmentChromosome[] population, ref SplitMix64 random)
    {
        var best = random.Next(population.Length);
        for (var i = 1; i < _size; i++)
        {
            var other = random.Next(population.Length);
            var a = population[other].Fitness;
            var b = population[best].Fitness;
            if (a < b || (a == b && other < best))
            {
                best = other;
            }
        }

        return best;
    }
}
