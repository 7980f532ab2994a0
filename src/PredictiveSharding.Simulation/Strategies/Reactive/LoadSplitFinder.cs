using PredictiveSharding.Simulation.Cluster;

namespace PredictiveSharding.Simulation.Strategies.Reactive;

/// <summary>
/// CockroachDB's load-based split finder (pkg/kv/kvserver/split, the unweighted finder) on a step-based trace: a reservoir
/// of 20 keys sampled from the partition's requests over the hot window; for each candidate the requests left and right of
/// it; the candidate with the lowest balance score |left − right| / (left + right) wins if the score is below 0.25 and the
/// share of requests containing it is below 0.5. TiKV's load-base-split uses the same numbers (split.sample-num 20,
/// split-balance-score 0.25, split-contained-score 0.5).
/// </summary>
/// <remarks>
/// Trace requests are point requests, so none spans a candidate and the contained share is always 0; a partition whose
/// load sits on one key therefore finds no split key, as CockroachDB does not (cockroachdb#87276). Left and right are
/// counted over all the window's requests rather than a sample of them, which only makes the choice better.
/// </remarks>
internal static class LoadSplitFinder
{
    /// <summary>The key index to split at (strictly inside the partition), or null when no candidate balances well enough.</summary>
    public static int? Find(KeyLoads loads, SimPartition partition, int fromStep, int toStep, Random random)
    {
        ArgumentNullException.ThrowIfNull(loads);
        ArgumentNullException.ThrowIfNull(partition);
        ArgumentNullException.ThrowIfNull(random);
        if (partition.KeyCount < 2)
        {
            return null;
        }

        var totals = loads.KeyTotals(partition.Lo, partition.Hi, fromStep, toStep);
        double all = 0;
        foreach (var v in totals)
        {
            all += v;
        }

        if (!(all > 0))
        {
            return null;
        }

        var candidates = SampleKeys(totals, SimulationDefaults.SplitSampleCount, random);
        int? best = null;
        var bestScore = double.PositiveInfinity;
        foreach (var local in candidates)
        {
            if (local == 0)
            {
                // The partition's first key: splitting there leaves an empty left side.
                continue;
            }

            double left = 0;
            for (var k = 0; k < local; k++)
            {
                left += totals[k];
            }

            var right = all - left;
            var score = Math.Abs(left - right) / all;
            const double contained = 0;
            if (score < SimulationDefaults.SplitBalanceScore && contained < SimulationDefaults.SplitContainedScore && score < bestScore)
            {
                bestScore = score;
                best = partition.Lo + local;
            }
        }

        return best;
    }

    /// <summary>Weighted reservoir sampling of distinct keys by requests (Efraimidis–Spirakis A-Res: keep the largest u^(1/w)).</summary>
    private static List<int> SampleKeys(double[] weights, int count, Random random)
    {
        var scored = new List<(double Score, int Key)>(weights.Length);
        for (var k = 0; k < weights.Length; k++)
        {
            // Draw for every key, hot or not, so the random sequence does not depend on which keys are idle.
            var u = random.NextDouble();
            if (weights[k] > 0)
            {
                scored.Add((Math.Log(Math.Max(u, double.Epsilon)) / weights[k], k));
            }
        }

        scored.Sort((a, b) => b.Score.CompareTo(a.Score));
        var keys = new List<int>(Math.Min(count, scored.Count));
        for (var i = 0; i < scored.Count && i < count; i++)
        {
            keys.Add(scored[i].Key);
        }

        return keys;
    }
}
