using PredictiveSharding.Keys;
using PredictiveSharding.Topology;

namespace PredictiveSharding.Planning.SplitKeys;

/// <summary>
/// A partition's key samples inside its range, merged by key (a hot key is sampled many times) and sorted: the only
/// places a split may cut, so a split never falls inside one key.
/// </summary>
internal sealed class KeyWeights
{
    private KeyWeights(ShardKey[] keys, double[] weights, double total)
    {
        Keys = keys;
        Weights = weights;
        Total = total;
    }

    public ShardKey[] Keys { get; }

    /// <summary>Load weight per distinct key; every key counts 1 when the samples carry no weight at all.</summary>
    public double[] Weights { get; }

    public double Total { get; }

    public int Count => Keys.Length;

    /// <summary>The share of the partition's load on its heaviest key, and that key.</summary>
    public (ShardKey Key, double Share) Heaviest()
    {
        var best = 0;
        for (var i = 1; i < Weights.Length; i++)
        {
            if (Weights[i] > Weights[best])
            {
                best = i;
            }
        }

        return Weights.Length == 0 ? (ShardKey.Empty, 0) : (Keys[best], Weights[best] / Total);
    }

    public static KeyWeights From(PartitionInfo partition)
    {
        var inRange = new List<KeySample>(partition.KeySamples.Count);
        foreach (var sample in partition.KeySamples)
        {
            if (partition.Range.Contains(sample.Key))
            {
                inRange.Add(sample);
            }
        }

        inRange.Sort((a, b) => a.Key.CompareTo(b.Key));
        var keys = new List<ShardKey>();
        var weights = new List<double>();
        var total = MergeByKey(inRange, 1, keys, weights);
        if (double.IsInfinity(total))
        {
            // Finite weights whose sum is not (or one key's merged weight): only their ratios matter, so merge them again
            // scaled down by the largest sample's weight.
            double largest = 0;
            foreach (var sample in inRange)
            {
                largest = Math.Max(largest, sample.Weight);
            }

            total = MergeByKey(inRange, largest, keys, weights);
        }

        if (!(total > 0))
        {
            for (var i = 0; i < weights.Count; i++)
            {
                weights[i] = 1;
            }

            total = weights.Count;
        }

        return new KeyWeights([.. keys], [.. weights], total);
    }

    /// <summary>
    /// Fills <paramref name="keys"/> and <paramref name="weights"/> (cleared first) with each distinct key of the sorted
    /// <paramref name="sorted"/> samples and its summed weight divided by <paramref name="divisor"/>; returns the total.
    /// </summary>
    private static double MergeByKey(List<KeySample> sorted, double divisor, List<ShardKey> keys, List<double> weights)
    {
        keys.Clear();
        weights.Clear();
        double total = 0;
        foreach (var sample in sorted)
        {
            var weight = sample.Weight / divisor;
            if (keys.Count > 0 && keys[^1] == sample.Key)
            {
                weights[^1] += weight;
            }
            else
            {
                keys.Add(sample.Key);
                weights.Add(weight);
            }
        }

        foreach (var w in weights)
        {
            total += w;
        }

        return total;
    }
}
