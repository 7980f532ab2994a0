using PredictiveSharding.Topology;

namespace PredictiveSharding.Planning.Guards;

/// <summary>
/// Tells a key that belongs to a range surging together apart from a key that is hot on its own: the pieces of a hot
/// range (a tenant's rows, a time-ordered table's newest keys, an article's keys) rise and fall together, while two
/// neighbouring keys that are each hot for their own reasons (two functions, two articles) do not. The measure is the
/// Pearson correlation of the step-to-step changes of the partition's load with those of a partition adjacent to it in key
/// order, over the last <see cref="Steps"/> steps both have: changes rather than levels, so that a daily rhythm every key
/// shares does not pass for moving together.
/// </summary>
internal static class NeighbourCoMovement
{
    /// <summary>The most recent steps compared: a day of hourly steps, or the recent past of minute or daily steps.</summary>
    public const int Steps = 24;

    /// <summary>Fewer common changes than this say nothing either way; the partition then counts as moving with its neighbour.</summary>
    public const int MinChanges = 8;

    /// <summary>
    /// The partitions known to hold one key (<see cref="GuardedPartition.KeyCount"/> of 1) whose load moves with no
    /// neighbour's: every neighbour known (<see cref="GuardedPartition.Range"/>) correlates below
    /// <paramref name="threshold"/>. A partition whose range or neighbours are unknown, or whose history is too short to
    /// judge, is not in the set (it keeps its bound).
    /// </summary>
    public static HashSet<PartitionId> MovingAlone(IReadOnlyDictionary<PartitionId, GuardedPartition> partitions, double threshold)
    {
        var alone = new HashSet<PartitionId>();
        var ranged = new List<GuardedPartition>();
        foreach (var partition in partitions.Values)
        {
            if (partition.Range is not null)
            {
                ranged.Add(partition);
            }
        }

        ranged.Sort((a, b) => a.Range!.Value.Start.CompareTo(b.Range!.Value.Start));
        for (var i = 0; i < ranged.Count; i++)
        {
            var partition = ranged[i];
            if (partition.KeyCount != 1)
            {
                continue;
            }

            var range = partition.Range!.Value;
            var left = i > 0 && ranged[i - 1].Range!.Value.End is { } leftEnd && leftEnd == range.Start ? ranged[i - 1] : null;
            var right = i + 1 < ranged.Count && range.End is { } end && ranged[i + 1].Range!.Value.Start == end ? ranged[i + 1] : null;
            if (left is null && right is null)
            {
                continue;
            }

            // "Cannot judge" is positive infinity, which is never below the threshold: the bound stays.
            if ((left is null || Correlation(partition.Loads, left.Loads) < threshold) && (right is null || Correlation(partition.Loads, right.Loads) < threshold))
            {
                alone.Add(partition.Partition);
            }
        }

        return alone;
    }

    /// <summary>
    /// The Pearson correlation of the one-step changes of the last <see cref="Steps"/> + 1 loads the two series have in
    /// common (aligned at their ends); positive infinity (cannot judge) when fewer than <see cref="MinChanges"/> changes are
    /// common or either series did not change at all.
    /// </summary>
    internal static double Correlation(IReadOnlyList<double> a, IReadOnlyList<double> b)
    {
        var changes = Math.Min(Steps, Math.Min(a.Count, b.Count) - 1);
        if (changes < MinChanges)
        {
            return double.PositiveInfinity;
        }

        double sumA = 0, sumB = 0;
        for (var i = 1; i <= changes; i++)
        {
            sumA += a[^i] - a[^(i + 1)];
            sumB += b[^i] - b[^(i + 1)];
        }

        var meanA = sumA / changes;
        var meanB = sumB / changes;
        double cov = 0, varA = 0, varB = 0;
        for (var i = 1; i <= changes; i++)
        {
            var da = a[^i] - a[^(i + 1)] - meanA;
            var db = b[^i] - b[^(i + 1)] - meanB;
            cov += da * db;
            varA += da * da;
            varB += db * db;
        }

        // A series that did not change says nothing about moving together (a timer's zeros before its next firing).
        return varA > 0 && varB > 0 ? cov / Math.Sqrt(varA * varB) : double.PositiveInfinity;
    }
}
