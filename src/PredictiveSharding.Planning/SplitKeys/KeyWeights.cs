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
        foreach (var sample in inRange)
        {
            if (keys.Count > 0 && keys[^1] == sample.Key)
            {
                weights[^1] += sample.Weight;
            }
            else
            {
                keys.Add(sample.Key);
                weights.Add(sample.Weight);
            }
        }

        var total = Sum(weights);
        if (double.IsInfinity(total))
        {
            // Finite weights whose sum is not (or one key's merged weight): only their ratios matter, so scale them down
            // by the largest sample's weight, summed afresh by key.
            double largest = 0;
            foreach (var sample in inRange)
            {
                largest = Math.Max(largest, sample.Weight);
            }

            var k = -1;
            for (var i = 0; i < inRange.Count; i++)
            {
                if (i == 0 || inRange[i].Key != inRange[i - 1].Key)
                {
                    weights[++k] = 0;
                }

                weights[k] += inRange[i].Weight / largest;
            }

            total = Sum(weights);
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

    private static double Sum(List<double> values)
    {
        double total = 0;
        foreach (var v in values)
        {
            total += v;
        }

        return total;
    }
}
