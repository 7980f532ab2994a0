namespace PredictiveSharding.Planning.Genetic;

/// <summary>One-point crossover: genes before a random cut from the first parent, the rest from the second.</summary>
internal sealed class OnePointCrossover : ICrossover
{
    public static OnePointCrossover Instance { get; } = new();

    public void Cross(AssignmentChromosome first, AssignmentChromosome second, AssignmentChromosome child, ref SplitMix64 random)
    {
        child.CopyFrom(first);
        var genes = child.Genes;
        if (genes.Length < 2)
        {
            return;
        }

        var cut = 1 + random.Next(genes.Length - 1);
        var other = second.Genes;
        var dirty = child.NodeScratch;
        Array.Clear(dirty);
        for (var s = cut; s < genes.Length; s++)
        {
            if (other[s] != genes[s])
            {
                var from = genes[s];
                child.MoveLoads(s, from, other[s]);
                dirty[from] = 1;
                dirty[other[s]] = 1;
            }
        }

        for (var n = 0; n < dirty.Length; n++)
        {
            if (dirty[n] != 0)
            {
                child.RefreshNode(n);
            }
        }
    }
}
