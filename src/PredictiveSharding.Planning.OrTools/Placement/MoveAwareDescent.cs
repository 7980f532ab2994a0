namespace PredictiveSharding.Planning.OrTools.Placement;

/// <summary>
/// Steepest descent from the current placement: repeatedly move one partition off the node with the highest peak
/// (relative to the thresholds) to where it lowers that peak most, within the move budget. Few moves, a good peak:
/// the starting point CP-SAT improves on, so its answer stays close to where the data already is.
/// </summary>
internal static class MoveAwareDescent
{
    /// <exception cref="OperationCanceledException">Cancelled (checked at each step: on large instances the descent takes a while).</exception>
    public static int[] Place(PlacementProblem problem, CancellationToken cancellationToken)
    {
        var dims = problem.ResourceCount * problem.Steps;
        var scale = new double[problem.NodeCount * problem.ResourceCount];
        for (var n = 0; n < problem.NodeCount; n++)
        {
            for (var r = 0; r < problem.ResourceCount; r++)
            {
                scale[(n * problem.ResourceCount) + r] = 1 / (problem.CapacityOf(n, r) * problem.Threshold[r]);
            }
        }

        var assignment = (int[])problem.Home.Clone();
        var load = new double[problem.NodeCount * dims];
        for (var p = 0; p < problem.PartitionCount; p++)
        {
            Add(problem, load, scale, p, assignment[p], 1);
        }

        var budget = problem.Request.Constraints.MoveBudgetBytes;
        var maxMoves = problem.MaxMoves;
        var moved = 0L;
        var movedCount = 0;
        var peaks = new double[problem.NodeCount];
        for (var iteration = 0; iteration < 4 * problem.PartitionCount; iteration++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var hot = 0;
            for (var n = 0; n < problem.NodeCount; n++)
            {
                peaks[n] = Peak(load, n, dims);
                if (peaks[n] > peaks[hot])
                {
                    hot = n;
                }
            }

            int bestPartition = -1, bestNode = -1;
            var bestPeak = peaks[hot];
            for (var p = 0; p < problem.PartitionCount; p++)
            {
                if (assignment[p] != hot || problem.Pinned[p])
                {
                    continue;
                }

                // Moving a partition off its home costs bytes and one of the plan's moves; moving one already away does not.
                var cost = problem.Home[p] == hot ? problem.Partitions[p].SizeBytes : 0;
                if (moved + cost > budget || (problem.Home[p] == hot && movedCount >= maxMoves))
                {
                    continue;
                }

                Add(problem, load, scale, p, hot, -1);
                var hotAfter = Peak(load, hot, dims);
                for (var m = 0; m < problem.NodeCount; m++)
                {
                    // Moving back home only refunds budget, so the check above covers every destination.
                    if (m == hot)
                    {
                        continue;
                    }

                    var destination = PeakWith(problem, load, scale, p, m, dims);
                    var candidate = Math.Max(hotAfter, destination);
                    if (candidate < bestPeak - 1e-12)
                    {
                        (bestPeak, bestPartition, bestNode) = (candidate, p, m);
                    }
                }

                Add(problem, load, scale, p, hot, 1);
            }

            if (bestPartition < 0)
            {
                break;
            }

            Add(problem, load, scale, bestPartition, hot, -1);
            Add(problem, load, scale, bestPartition, bestNode, 1);
            moved -= assignment[bestPartition] != problem.Home[bestPartition] ? problem.Partitions[bestPartition].SizeBytes : 0;
            movedCount -= assignment[bestPartition] != problem.Home[bestPartition] ? 1 : 0;
            assignment[bestPartition] = bestNode;
            moved += bestNode != problem.Home[bestPartition] ? problem.Partitions[bestPartition].SizeBytes : 0;
            movedCount += bestNode != problem.Home[bestPartition] ? 1 : 0;
        }

        return assignment;
    }

    private static void Add(PlacementProblem problem, double[] load, double[] scale, int p, int n, int sign)
    {
        var dims = problem.ResourceCount * problem.Steps;
        for (var r = 0; r < problem.ResourceCount; r++)
        {
            var s = sign * scale[(n * problem.ResourceCount) + r];
            var source = problem.LoadIndex(p, r, 0);
            var target = (n * dims) + (r * problem.Steps);
            for (var t = 0; t < problem.Steps; t++)
            {
                load[target + t] += problem.Load[source + t] * s;
            }
        }
    }

    private static double Peak(double[] load, int n, int dims)
    {
        var peak = 0.0;
        for (var d = 0; d < dims; d++)
        {
            peak = Math.Max(peak, load[(n * dims) + d]);
        }

        return peak;
    }

    private static double PeakWith(PlacementProblem problem, double[] load, double[] scale, int p, int n, int dims)
    {
        var peak = 0.0;
        for (var r = 0; r < problem.ResourceCount; r++)
        {
            var s = scale[(n * problem.ResourceCount) + r];
            var source = problem.LoadIndex(p, r, 0);
            var target = (n * dims) + (r * problem.Steps);
            for (var t = 0; t < problem.Steps; t++)
            {
                peak = Math.Max(peak, load[target + t] + (problem.Load[source + t] * s));
            }
        }

        return peak;
    }
}
