using PredictiveSharding.Simulation.Cluster;
using PredictiveSharding.Topology;

namespace PredictiveSharding.Simulation.Strategies.Planned;

/// <summary>
/// The key samples a host's telemetry would hand the planner for a partition: up to a fixed number of keys, each standing
/// for the requests of the keys from it to the next sample over a window. Every key when the partition has few; otherwise
/// the hottest keys on their own (each with a boundary right after it, so a split can isolate it) and evenly spaced keys
/// for the rest, so the samples cover all of the partition's load.
/// </summary>
internal static class KeySampler
{
    public static IReadOnlyList<KeySample> Sample(KeyLoads loads, SimPartition partition, int fromStep, int toStep, int maxSamples)
    {
        ArgumentNullException.ThrowIfNull(loads);
        ArgumentNullException.ThrowIfNull(partition);
        var totals = loads.KeyTotals(partition.Lo, partition.Hi, fromStep, toStep);
        var count = totals.Length;
        var starts = new SortedSet<int> { 0 };
        if (count <= maxSamples)
        {
            for (var k = 1; k < count; k++)
            {
                starts.Add(k);
            }
        }
        else
        {
            var hot = Enumerable.Range(0, count).Where(k => totals[k] > 0).OrderByDescending(k => totals[k]).ThenBy(k => k).Take(maxSamples / 4);
            foreach (var k in hot)
            {
                starts.Add(k);
                if (k + 1 < count)
                {
                    starts.Add(k + 1);
                }
            }

            var even = maxSamples - starts.Count;
            for (var i = 1; i <= even; i++)
            {
                starts.Add((int)((long)i * count / (even + 1)));
            }
        }

        var ordered = starts.ToArray();
        var samples = new KeySample[ordered.Length];
        for (var j = 0; j < ordered.Length; j++)
        {
            var end = j + 1 < ordered.Length ? ordered[j + 1] : count;
            double weight = 0;
            for (var k = ordered[j]; k < end; k++)
            {
                weight += totals[k];
            }

            samples[j] = new KeySample(loads.Keys[partition.Lo + ordered[j]], weight);
        }

        return samples;
    }
}
