namespace PredictiveSharding.Planning.Genetic;

/// <summary>Swaps the nodes of two shards that sit on different nodes (keeps node shard counts).</summary>
internal sealed class SwapMutation : IMutation
{
    public static SwapMutation Instance { get; } = new();

    public void Mutate(AssignmentChromosome chromosome, ref SplitMix64 random)
    {
        var p = chromosome.Problem;
        if (p.Shards < 2 || p.Nodes < 2)
        {
            return;
        }

        for (var attempt = 0; attempt < 8; attempt++)
        {
            var a = random.Next(p.Shards);
            var b = random.Next(p.Shards);
            var na = chromosome.Genes[a];
            var nb = chromosome.Genes[b];
            if (na == nb || p.Pinned[a] || p.Pinned[b])
            {
                continue;
            }

            chromosome.MoveLoads(a, na, nb);
            chromosome.MoveLoads(b, nb, na);
            chromosome.RefreshNode(na);
            chromosome.RefreshNode(nb);
            return;
        }
    }
}
