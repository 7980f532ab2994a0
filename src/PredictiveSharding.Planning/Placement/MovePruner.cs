using PredictiveSharding.Planning.Genetic;

namespace PredictiveSharding.Planning.Placement;

/// <summary>
/// Sends home every moved shard whose return does not worsen the objective, largest first, so a plan carries no move
/// that buys nothing (the GA's random operators leave some behind).
/// </summary>
internal static class MovePruner
{
    private const double Tolerance = 1e-12;

    /// <summary>Returns how many moves were dropped.</summary>
    public static int Prune(AssignmentChromosome chromosome)
    {
        var p = chromosome.Problem;
        var moved = new List<int>();
        for (var s = 0; s < p.Shards; s++)
        {
            if (chromosome.Genes[s] != p.Current[s])
            {
                moved.Add(s);
            }
        }

        moved.Sort((a, b) => p.Bytes[a] != p.Bytes[b] ? p.Bytes[b].CompareTo(p.Bytes[a]) : a.CompareTo(b));
        var dropped = 0;
        var index = PeakIndex.Build(chromosome.NodePeak);
        foreach (var s in moved)
        {
            var delta = PlacementFitness.MoveDelta(chromosome, s, p.Current[s], index, out _, out _);
            if (delta <= Tolerance)
            {
                chromosome.Move(s, p.Current[s]);
                index = PeakIndex.Build(chromosome.NodePeak);
                dropped++;
            }
        }

        PlacementFitness.Instance.Evaluate(chromosome);
        return dropped;
    }
}
