using PredictiveSharding.Keys;

namespace PredictiveSharding.Topology;

/// <summary>A sampled key of a partition and the load (requests) it stands for; the planner chooses split keys among these.</summary>
public readonly record struct KeySample
{
    /// <summary>Creates a sample.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="weight"/> is negative, NaN or infinite.</exception>
    public KeySample(ShardKey key, double weight)
    {
        Guard.FiniteNonNegative(weight, nameof(weight));
        Key = key;
        Weight = weight;
    }

    /// <summary>The sampled key.</summary>
    public ShardKey Key { get; }

    /// <summary>The load this sample stands for, in requests.</summary>
    public double Weight { get; }
}
