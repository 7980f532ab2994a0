using PredictiveSharding.Simulation.Cluster;
using PredictiveSharding.Topology;

namespace PredictiveSharding.Simulation.Strategies.Reactive;

/// <summary>
/// CockroachDB's and TiKV's load-based split on the simulated cluster: a partition whose measured load has stayed above a
/// threshold for some consecutive steps is split in two where its requests balance (<see cref="LoadSplitFinder"/>), and
/// both halves stay on its node. The reactive strategy runs it on its own; the planned strategies, opted in, under their
/// plans (<see cref="SimulationOptions.MeasuredSplitShare"/>).
/// </summary>
internal static class LoadBasedSplit
{
    /// <summary>
    /// Splits every partition that is not moving and whose load exceeded <paramref name="thresholdShare"/> × node capacity
    /// in each of the last <paramref name="consecutiveSteps"/> replayed steps (not before it existed). The halves are named
    /// the partition's id followed by <paramref name="childPrefix"/> and 0 or 1.
    /// </summary>
    public static void Apply(ClusterModel cluster, double thresholdShare, int consecutiveSteps, Random random, string childPrefix)
    {
        var threshold = thresholdShare * cluster.Setup.NodeCapacity;
        var step = cluster.Step;
        foreach (var partition in cluster.Partitions.ToArray())
        {
            if (partition.Moving || HotStreak(partition, threshold, step, consecutiveSteps) < consecutiveSteps)
            {
                continue;
            }

            if (LoadSplitFinder.Find(cluster.Loads, partition, step - consecutiveSteps, step, random) is { } at)
            {
                cluster.Split(partition, [at], [new PartitionId(partition.Id.Value + childPrefix + "0"), new PartitionId(partition.Id.Value + childPrefix + "1")]);
            }
        }
    }

    /// <summary>Consecutive steps, ending with the last replayed one and not before the partition existed, with load above the threshold (counted up to <paramref name="enough"/>).</summary>
    private static int HotStreak(SimPartition partition, double threshold, int step, int enough)
    {
        var streak = 0;
        for (var s = step - 1; s >= partition.CreatedAtStep && streak < enough; s--)
        {
            if (partition.History[s] <= threshold)
            {
                break;
            }

            streak++;
        }

        return streak;
    }
}
