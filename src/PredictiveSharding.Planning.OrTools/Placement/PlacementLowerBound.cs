namespace PredictiveSharding.Planning.OrTools.Placement;

/// <summary>
/// What any placement of a problem can do at best, with no move budget, move cap or cooldown: the larger of the
/// aggregate bound (at each resource and step, total load over total allowance) and the indivisible bound (each
/// partition alone on the node that suits it best), as a share of capacity × threshold at the planning quantile.
/// Above 1 no placement keeps every node under its thresholds. The genetic planner judges feasibility by the same bound.
/// </summary>
internal static class PlacementLowerBound
{
    public static double Of(PlacementProblem problem)
    {
        double aggregate = 0;
        for (var r = 0; r < problem.ResourceCount; r++)
        {
            double allowance = 0;
            for (var n = 0; n < problem.NodeCount; n++)
            {
                allowance += problem.CapacityOf(n, r) * problem.Threshold[r];
            }

            for (var t = 0; t < problem.Steps; t++)
            {
                double total = 0;
                for (var p = 0; p < problem.PartitionCount; p++)
                {
                    total += problem.Load[problem.LoadIndex(p, r, t)];
                }

                aggregate = Math.Max(aggregate, total / allowance);
            }
        }

        double indivisible = 0;
        for (var p = 0; p < problem.PartitionCount; p++)
        {
            var best = double.PositiveInfinity;
            for (var n = 0; n < problem.NodeCount; n++)
            {
                double peak = 0;
                for (var r = 0; r < problem.ResourceCount; r++)
                {
                    var allowance = problem.CapacityOf(n, r) * problem.Threshold[r];
                    for (var t = 0; t < problem.Steps; t++)
                    {
                        peak = Math.Max(peak, problem.Load[problem.LoadIndex(p, r, t)] / allowance);
                    }
                }

                best = Math.Min(best, peak);
            }

            indivisible = Math.Max(indivisible, best);
        }

        return Math.Max(aggregate, indivisible);
    }

    /// <summary>Whether the plan's search was free of every limit but the thresholds: no pinned partition, no move cap below the partition count, a move budget that covers every byte.</summary>
    public static bool Unconstrained(PlacementProblem problem)
    {
        if (problem.MaxMoves < problem.PartitionCount)
        {
            return false;
        }

        long bytes = 0;
        for (var p = 0; p < problem.PartitionCount; p++)
        {
            if (problem.Pinned[p])
            {
                return false;
            }

            bytes = bytes > long.MaxValue - problem.Partitions[p].SizeBytes ? long.MaxValue : bytes + problem.Partitions[p].SizeBytes;
        }

        return problem.Request.Constraints.MoveBudgetBytes >= bytes;
    }
}
