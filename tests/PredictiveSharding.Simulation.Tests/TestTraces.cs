using PredictiveSharding.Keys;
using PredictiveSharding.Simulation.Cluster;

namespace PredictiveSharding.Simulation.Tests;

/// <summary>Small hand-made traces: keys "k00", "k01", … and counts given per key.</summary>
internal static class TestTraces
{
    public static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public static KeyLoads Build(TimeSpan step, params double[][] countsByKey)
    {
        var keys = Enumerable.Range(0, countsByKey.Length).Select(k => ShardKey.FromString($"k{k:D2}")).ToArray();
        return new KeyLoads(keys, Start, step, countsByKey);
    }

    public static KeyLoads Minutes(params double[][] countsByKey) => Build(TimeSpan.FromMinutes(1), countsByKey);

    public static double[] Repeat(double value, int steps) => Enumerable.Repeat(value, steps).ToArray();

    /// <summary>
    /// A hot spot that moves across the key space on a fixed schedule: 16 keys in 4 blocks of 4, every key 1 request per
    /// step, plus 12 extra requests per step on the keys of one block, the block changing every <paramref name="dwell"/> steps.
    /// </summary>
    public static KeyLoads ShiftingHotSpot(int steps, int dwell)
    {
        var counts = new double[16][];
        for (var k = 0; k < counts.Length; k++)
        {
            counts[k] = new double[steps];
            for (var s = 0; s < steps; s++)
            {
                var hotBlock = s / dwell % 4;
                counts[k][s] = 1 + (k / 4 == hotBlock ? 12 : 0);
            }
        }

        return Minutes(counts);
    }
}
