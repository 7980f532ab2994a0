namespace PredictiveSharding.Planning.Genetic;

/// <summary>
/// Moves a few shards. Move-aware: a shard away from its current node goes back there with probability
/// <c>returnProbability</c> (in the prototype, the GA moved more bytes than CP-SAT until its mutations preferred
/// returning shards home); otherwise it goes to the cooler of two random nodes. Half the picks come from the hottest node.
/// </summary>
internal sealed class MoveAwareMutation : IMutation
{
    private readonly int _maxGenes;
    private readonly double _returnProbability;

    public MoveAwareMutation(int maxGenes = 3, double returnProbability = 0.5)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxGenes, 1);
        _maxGenes = maxGenes;
        _returnProbability = returnProbability;
    }

    public void Mutate(AssignmentChromosome chromosome, ref SplitMix64 random)
    {
        var p = chromosome.Problem;
        if (p.Nodes < 2)
        {
            return;
        }

        var count = 1 + random.Next(_maxGenes);
        for (var i = 0; i < count; i++)
        {
            var s = random.NextDouble() < 0.5 ? PickOnHottest(chromosome, ref random) : random.Next(p.Shards);
            if (s < 0 || p.Pinned[s])
            {
                continue;
            }

            var from = chromosome.Genes[s];
            int to;
            if (from != p.Current[s] && random.NextDouble() < _returnProbability)
            {
                to = p.Current[s];
            }
            else
            {
                to = CoolerOfTwo(chromosome, from, ref random);
            }

            chromosome.Move(s, to);
        }
    }

    private static int PickOnHottest(AssignmentChromosome c, ref SplitMix64 random)
    {
        var hottest = 0;
        for (var n = 1; n < c.NodePeak.Length; n++)
        {
            if (c.NodePeak[n] > c.NodePeak[hottest])
            {
                hottest = n;
            }
        }

        var count = 0;
        var scratch = c.ShardScratch;
        for (var s = c.FirstOnNode(hottest); s >= 0; s = c.NextOnNode(s))
        {
            if (!c.Problem.Pinned[s])
            {
                scratch[count++] = s;
            }
        }

        return count == 0 ? -1 : scratch[random.Next(count)];
    }

    private static int CoolerOfTwo(AssignmentChromosome c, int exclude, ref SplitMix64 random)
    {
        var nodes = c.Problem.Nodes;
        var a = random.Next(nodes - 1);
        if (a >= exclude)
        {
            a++;
        }

        var b = random.Next(nodes - 1);
        if (b >= exclude)
        {
            b++;
        }

        return c.NodePeak[b] < c.NodePeak[a] ? b : a;
    }
}
