namespace PredictiveSharding.Planning.Genetic;

/// <summary>
/// Uniform crossover: each gene from either parent with even odds. The child starts as a copy of the first parent
/// and only the genes taken from the second that differ are applied, so parents that share most of their placement
/// (the usual case once the population converges) cost little.
/// </summary>
internal sealed class UniformCrossover : ICrossover
{
    public static UniformCrossover Instance { get; } = new();

    public void Cross(AssignmentChromosome first, AssignmentChromosome second, AssignmentChromosome child, ref SplitMix64 random)
    {
        child.CopyFrom(first);
        var genes = child.Genes;
        var other = second.Genes;
        var dirty = child.NodeScratch;
        Array.Clear(dirty);
        ulong bits = 0;
        for (var s = 0; s < genes.Length; s++)
        {
            if ((s & 63) == 0)
            {
                bits = random.NextUInt64();
            }

            var takeSecond = (bits & 1) != 0;
            bits >>= 1;
            if (takeSecond && other[s] != genes[s])
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
