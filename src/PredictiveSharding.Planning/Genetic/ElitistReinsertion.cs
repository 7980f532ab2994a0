namespace PredictiveSharding.Planning.Genetic;

/// <summary>
/// Elitism: the best <c>eliteCount</c> of the current generation survive, the children fill the rest; the result is
/// sorted by fitness with ties kept in slot order, so the order never depends on thread timing.
/// </summary>
internal sealed class ElitistReinsertion : IReinsertion
{
    private readonly int _eliteCount;

    public ElitistReinsertion(int eliteCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(eliteCount);
        _eliteCount = eliteCount;
    }

    public void Reinsert(AssignmentChromosome[] population, AssignmentChromosome[] children)
    {
        var size = population.Length;
        var elites = Math.Min(_eliteCount, size);
        if (children.Length != size - elites)
        {
            throw new ArgumentException($"Expected {size - elites} children for a population of {size} with {elites} elites; got {children.Length}.", nameof(children));
        }

        for (var i = 0; i < children.Length; i++)
        {
            (population[elites + i], children[i]) = (children[i], population[elites + i]);
        }

        SortByFitness(population);
    }

    /// <summary>Stable insertion sort: populations are small, and stability keeps equal fitness in slot order.</summary>
    public static void SortByFitness(AssignmentChromosome[] population)
    {
        for (var i = 1; i < population.Length; i++)
        {
            var item = population[i];
            var j = i - 1;
            while (j >= 0 && population[j].Fitness > item.Fitness)
            {
                population[j + 1] = population[j];
                j--;
            }

            population[j + 1] = item;
        }
    }
}
