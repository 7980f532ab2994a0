namespace PredictiveSharding.Planning.OrTools.Placement;

/// <summary>
/// Longest-processing-time-first placement over all resources and steps: the heaviest partition first, each to the
/// node where the resulting peak utilisation is lowest. A starting point for CP-SAT, not a plan of its own.
/// </summary>
internal static class GreedyPlacement
{
    /// <exception cref="OperationCanceledException">Cancelled (asked every 256 partitions).</exception>
    public static int[] Place(PlacementProblem problem, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var dims = problem.ResourceCount * problem.Steps;
        var weight = new double[problem.PartitionCount];
        for (var p = 0; p < problem.PartitionCount; p++)
        {
            for (var r = 0; r < problem.ResourceCount; r++)
            {
                for (var t = 0; t < problem.Steps; t++)
                {
                    weight[p] = Math.Max(weight[p], problem.Load[problem.LoadIndex(p, r, t)] / (problem.CapacityOf(0, r) * problem.Threshold[r]));
                }
            }
        }

        var order = new int[problem.PartitionCount];
        for (var p = 0; p < order.Length; p++)
        {
            order[p] = p;
        }

        // Pinned partitions first (they have no choice), then by weight; ties by index so the result is reproducible.
        Array.Sort(order, (a, b) =>
        {
            var byPin = problem.Pinned[b].CompareTo(problem.Pinned[a]);
            if (byPin != 0)
            {
                return byPin;
            }

            var byWeight = weight[b].CompareTo(weight[a]);
            return byWeight != 0 ? byWeight : a.CompareTo(b);
        });

        var utilization = new double[problem.NodeCount * dims];
        var assignment = new int[problem.PartitionCount];
        var placed = 0;
        foreach (var p in order)
        {
            // Each partition is a pass over the nodes: on a large instance as long as building the model's rows.
            if ((++placed & 255) == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }

            var best = problem.Home[p];
            if (!problem.Pinned[p])
            {
                var bestPeak = double.PositiveInfinity;
                for (var n = 0; n < problem.NodeCount; n++)
                {
                    var peak = 0.0;
                    for (var r = 0; r < problem.ResourceCount; r++)
                    {
                        for (var t = 0; t < problem.Steps; t++)
                        {
                            var u = utilization[(n * dims) + (r * problem.Steps) + t] + (problem.Load[problem.LoadIndex(p, r, t)] / (problem.CapacityOf(n, r) * problem.Threshold[r]));
                            peak = Math.Max(peak, u);
                        }
                    }

                    // Prefer staying home on a tie, so the hint moves no more than it must.
                    if (peak < bestPeak || (peak == bestPeak && n == problem.Home[p]))
                    {
                        (best, bestPeak) = (n, peak);
                    }
                }
            }

            assignment[p] = best;
            for (var r = 0; r < problem.ResourceCount; r++)
            {
                for (var t = 0; t < problem.Steps; t++)
                {
                    utilization[(best * dims) + (r * problem.Steps) + t] += problem.Load[problem.LoadIndex(p, r, t)] / (problem.CapacityOf(best, r) * problem.Threshold[r]);
                }
            }
        }

        return assignment;
    }
}
