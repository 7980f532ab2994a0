using System.Globalization;
using PredictiveSharding.Forecasting;
using PredictiveSharding.Keys;
using PredictiveSharding.Planning;
using PredictiveSharding.Topology;

namespace PredictiveSharding.Benchmarks.Planning;

/// <summary>
/// Seeded random placement instances for comparing the genetic planner with CP-SAT: skewed loads (a tenth of the
/// partitions about five times hotter, the rest log-normal), several resources that are correlated but not
/// proportional (the first is the bottleneck, each further one a fifth less busy), a few horizon steps of a daily
/// curve that peaks at the first step (each partition a little early or late), and a current placement in
/// contiguous key blocks that leaves some nodes hot. No key samples and no size limit, so neither planner can
/// split and both solve the same placement problem; locality is off because CP-SAT does not model it.
/// </summary>
/// <remarks>Also compiled into PredictiveSharding.Planning.OrTools.Tests, so the test and the benchmark use the same instances.</remarks>
public static class OptimalityGapInstances
{
    private static readonly string[] ResourceNames = ["requests", "cpu", "ioBytes", "networkBytes"];

    /// <summary>The time every instance is planned at.</summary>
    public static DateTimeOffset Now { get; } = new(2026, 1, 5, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Creates an instance.</summary>
    /// <param name="partitions">Number of partitions (at least 1).</param>
    /// <param name="nodes">Number of nodes (at least 1).</param>
    /// <param name="resources">Number of resources, 1 to 4.</param>
    /// <param name="steps">Horizon steps (at least 1).</param>
    /// <param name="seed">The seed; the same arguments give the same instance.</param>
    /// <param name="moveBudgetShare">The move budget as a share of all stored bytes (1 for no effective limit).</param>
    /// <param name="meanUtilization">Average utilisation of the cluster at the planning quantile at its busiest step.</param>
    /// <param name="integralCapacity">
    /// When positive, nodes are equal with this capacity and the loads at the planning quantile are whole numbers, so
    /// CP-SAT's integer model is exact and it can prove optimality more often (the coarser, the easier); when 0, loads
    /// are real numbers on unequal nodes (closer to a real cluster, rarely provable).
    /// </param>
    public static PlanningRequest Create(int partitions, int nodes, int resources, int steps, int seed, double moveBudgetShare = 1, double meanUtilization = 0.6, int integralCapacity = 0)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(partitions, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(nodes, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(resources, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(resources, ResourceNames.Length);
        ArgumentOutOfRangeException.ThrowIfLessThan(steps, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(integralCapacity);
        var integral = integralCapacity > 0;
        var random = new SplitMix64((ulong)seed);

        // Load shape per partition × resource × step, at the median.
        var median = new double[partitions, resources, steps];
        var totals = new double[resources, steps];
        for (var p = 0; p < partitions; p++)
        {
            var weight = Math.Exp(0.7 * random.NextGaussian()) * (random.NextDouble() < 0.1 ? 5 : 1);
            // Partitions share the daily peak (clients are awake at the same time), each a little early or late.
            var phase = 0.3 * random.NextGaussian();
            for (var r = 0; r < resources; r++)
            {
                var mix = Math.Exp(0.4 * random.NextGaussian());
                for (var t = 0; t < steps; t++)
                {
                    var v = weight * mix * (1 + (0.3 * Math.Cos(phase + (2 * Math.PI * t / Math.Max(steps, 4)))));
                    median[p, r, t] = v;
                    totals[r, t] += v;
                }
            }
        }

        var nodeScale = new double[nodes];
        var nodeScaleSum = 0.0;
        for (var n = 0; n < nodes; n++)
        {
            nodeScale[n] = integral ? 1 : 1 + (0.25 * (n % 3));
            nodeScaleSum += nodeScale[n];
        }

        // Capacity per resource so that the busiest step averages meanUtilization at the planning quantile (1.2 × median).
        var nodeInfos = new NodeInfo[nodes];
        var capacityUnit = new double[resources];
        for (var r = 0; r < resources; r++)
        {
            var peak = 0.0;
            for (var t = 0; t < steps; t++)
            {
                peak = Math.Max(peak, totals[r, t]);
            }

            // The first resource is the bottleneck; each further one runs a fifth less busy.
            capacityUnit[r] = 1.2 * peak / (meanUtilization * (1 - (0.2 * r))) / nodeScaleSum;
        }

        // In integral mode every node has integralCapacity and loads are rescaled to it and rounded to whole numbers (at least 1).
        var loadScale = new double[resources];
        for (var r = 0; r < resources; r++)
        {
            loadScale[r] = integral ? integralCapacity / capacityUnit[r] : 1;
            capacityUnit[r] = integral ? integralCapacity : capacityUnit[r];
        }

        for (var n = 0; n < nodes; n++)
        {
            var capacity = new Dictionary<ResourceKind, double>();
            for (var r = 0; r < resources; r++)
            {
                capacity[new ResourceKind(ResourceNames[r])] = capacityUnit[r] * nodeScale[n];
            }

            nodeInfos[n] = new NodeInfo(new NodeId(string.Create(CultureInfo.InvariantCulture, $"n{n:D3}")), capacity, n % 2 == 0 ? "eu" : "us");
        }

        var partitionInfos = new PartitionInfo[partitions];
        var forecasts = new Dictionary<PartitionId, IReadOnlyDictionary<ResourceKind, QuantileSeries>>();
        var totalBytes = 0L;
        for (var p = 0; p < partitions; p++)
        {
            var id = new PartitionId(string.Create(CultureInfo.InvariantCulture, $"p{p:D5}"));
            var start = p == 0 ? string.Empty : string.Create(CultureInfo.InvariantCulture, $"k{p:D5}");
            var end = p == partitions - 1 ? null : string.Create(CultureInfo.InvariantCulture, $"k{p + 1:D5}");
            var size = (long)(1_000_000_000 * Math.Exp(0.5 * random.NextGaussian()));
            totalBytes += size;

            // Contiguous key blocks, uneven in length, so the current placement leaves some nodes hotter than others.
            var home = Math.Min(nodes - 1, (int)(nodes * Math.Pow((p + 0.5) / partitions, 1.3)));
            partitionInfos[p] = new PartitionInfo(id, KeyRange.FromStrings(start, end), nodeInfos[home].Id, size, 1_000_000);

            var series = new Dictionary<ResourceKind, QuantileSeries>();
            for (var r = 0; r < resources; r++)
            {
                var values = new double[steps * 3];
                for (var t = 0; t < steps; t++)
                {
                    var planned = 1.2 * median[p, r, t] * loadScale[r];
                    if (integral)
                    {
                        planned = Math.Max(1, Math.Round(planned));
                    }

                    values[(t * 3) + 0] = planned / 1.2;
                    values[(t * 3) + 1] = planned;
                    values[(t * 3) + 2] = planned * 1.4 / 1.2;
                }

                series[new ResourceKind(ResourceNames[r])] = new QuantileSeries(steps, 3, values);
            }

            forecasts[id] = series;
        }

        var forecast = new LoadForecast(Now, TimeSpan.FromHours(1), [0.5, 0.9, 0.99], forecasts);
        var constraints = new PlanningConstraints
        {
            PlanningQuantile = 0.9,
            MaxPartitionBytes = null,
            MoveBudgetBytes = moveBudgetShare >= 1 ? long.MaxValue / 4 : (long)(totalBytes * moveBudgetShare),
            LocalityWeight = 0,
        };
        return new PlanningRequest(new ClusterSnapshot(nodeInfos, partitionInfos, 1), forecast, constraints, Now);
    }

    /// <summary>A small, fast, portable generator, so instances stay the same across runtime versions.</summary>
    private sealed class SplitMix64(ulong seed)
    {
        private ulong _state = seed;

        public double NextDouble() => (Next() >> 11) * (1.0 / (1UL << 53));

        public double NextGaussian()
        {
            // Box–Muller; 1 − u keeps the logarithm finite.
            var u = 1 - NextDouble();
            var v = NextDouble();
            return Math.Sqrt(-2 * Math.Log(u)) * Math.Cos(2 * Math.PI * v);
        }

        private ulong Next()
        {
            var z = _state += 0x9E3779B97F4A7C15UL;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return z ^ (z >> 31);
        }
    }
}
