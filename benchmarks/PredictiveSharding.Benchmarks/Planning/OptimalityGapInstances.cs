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
/// split and both solve the same placement problem; locality is off because CP-SAT does not model it. The optimum of
/// <see cref="Create"/>'s integral instances with an unlimited move budget is (within rounding) perfect balance;
/// <see cref="CreateAboveBalance"/> makes instances whose optimum lies above any placement-free bound.
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

        return Assemble(
            partitions,
            resources,
            steps,
            random,
            moveBudgetShare,
            nodes,
            (n, r) => capacityUnit[r] * nodeScale[n],
            (p, r, t) =>
            {
                var planned = 1.2 * median[p, r, t] * loadScale[r];
                return integral ? Math.Max(1, Math.Round(planned)) : planned;
            });
    }

    /// <summary>
    /// Creates an instance whose optimum lies above the placement-free lower bound (the larger of total load over total
    /// capacity and the heaviest partition on its best node), so matching CP-SAT there means more than balancing: nodes of
    /// two sizes (every third one a quarter larger), <paramref name="hotPartitions"/> hot partitions at about half a small
    /// node's allowance each (whole, as neither planner splits here), and the rest cold, log-normal, bringing the cluster
    /// to 0.6 of its capacity at its busiest step (the further resources a fifth less busy each, as in
    /// <see cref="Create"/>). With more hot partitions than nodes some node carries two, which at their shared peak make
    /// about 0.8 of a small node's capacity or 0.64 of a large one's, above the 0.6 of balance; which hot partitions pair
    /// up, where, and how the cold ones fill in around them is a packing problem, not a share-out. A tight
    /// <paramref name="moveBudgetShare"/> bounds the optimum further. Loads at the planning quantile are whole numbers on
    /// capacities of 1,000 and 1,250 (allowances 800 and 1,000 at the default threshold of 0.8), so CP-SAT's model, which
    /// counts utilisation in 1/100,000 of the threshold, is exact. Hot partitions are spread evenly over the key space and
    /// the current placement is contiguous key blocks; a pair of hot partitions at the 0.99 quantile (7/6 of the planning
    /// load) makes about 0.93 of a small node's capacity, so the optimum has no overflow to trade against its peak.
    /// </summary>
    /// <param name="partitions">Number of partitions (more than <paramref name="hotPartitions"/>).</param>
    /// <param name="nodes">Number of nodes (at least 2).</param>
    /// <param name="hotPartitions">Number of hot partitions (zero or more).</param>
    /// <param name="seed">The seed; the same arguments give the same instance.</param>
    /// <param name="moveBudgetShare">The move budget as a share of all stored bytes (1 for no effective limit).</param>
    /// <param name="resources">Number of resources, 1 to 4.</param>
    /// <param name="steps">Horizon steps (at least 1).</param>
    public static PlanningRequest CreateAboveBalance(int partitions, int nodes, int hotPartitions, int seed, double moveBudgetShare = 1, int resources = 3, int steps = 4)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(nodes, 2);
        ArgumentOutOfRangeException.ThrowIfNegative(hotPartitions);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(partitions, hotPartitions);
        ArgumentOutOfRangeException.ThrowIfLessThan(resources, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(resources, ResourceNames.Length);
        ArgumentOutOfRangeException.ThrowIfLessThan(steps, 1);
        const double smallCapacity = 1000;
        const double largeCapacity = 1250;
        const double hotShareOfSmallAllowance = 0.5;
        const double smallAllowance = smallCapacity * 0.8; // at the default threshold
        const double meanUtilization = 0.6;
        var random = new SplitMix64((ulong)seed);

        var capacity = new double[nodes];
        var totalCapacity = 0.0;
        for (var n = 0; n < nodes; n++)
        {
            capacity[n] = n % 3 == 0 ? largeCapacity : smallCapacity;
            totalCapacity += capacity[n];
        }

        // Hot partitions every partitions / hotPartitions keys, so the contiguous current placement spreads them unevenly.
        var hot = new bool[partitions];
        for (var h = 0; h < hotPartitions; h++)
        {
            hot[(int)((h + 0.5) * partitions / hotPartitions)] = true;
        }

        // The planning load per partition × resource × step: a weight, a per-resource mix and a daily curve as in Create.
        var planned = new double[partitions, resources, steps];
        var coldTotals = new double[resources, steps];
        var hotTotals = new double[resources, steps];
        for (var p = 0; p < partitions; p++)
        {
            var weight = hot[p] ? 1 + (0.08 * random.NextGaussian()) : Math.Exp(0.7 * random.NextGaussian());
            // Hot partitions peak nearly together (a little early or late), so two on one node add up at the peak.
            var phase = (hot[p] ? 0.1 : 0.3) * random.NextGaussian();
            for (var r = 0; r < resources; r++)
            {
                var mix = Math.Exp((hot[p] ? 0.06 : 0.4) * random.NextGaussian());
                for (var t = 0; t < steps; t++)
                {
                    var curve = 1 + (0.15 * Math.Cos(phase + (2 * Math.PI * t / Math.Max(steps, 4))));
                    var v = weight * mix * curve / 1.15;
                    if (hot[p])
                    {
                        v = Math.Round(v * hotShareOfSmallAllowance * smallAllowance * Busyness(r));
                        hotTotals[r, t] += v;
                    }
                    else
                    {
                        coldTotals[r, t] += v;
                    }

                    planned[p, r, t] = v;
                }
            }
        }

        // The cold partitions bring the busiest step of each resource to meanUtilization of the cluster's capacity.
        var coldScale = new double[resources];
        for (var r = 0; r < resources; r++)
        {
            var scale = double.PositiveInfinity;
            for (var t = 0; t < steps; t++)
            {
                var room = Math.Max(0, (meanUtilization * totalCapacity * Busyness(r)) - hotTotals[r, t]);
                scale = Math.Min(scale, coldTotals[r, t] > 0 ? room / coldTotals[r, t] : 0);
            }

            coldScale[r] = scale;
        }

        return Assemble(
            partitions,
            resources,
            steps,
            random,
            moveBudgetShare,
            nodes,
            (n, _) => capacity[n],
            (p, r, t) => hot[p] ? planned[p, r, t] : Math.Max(1, Math.Round(planned[p, r, t] * coldScale[r])));

        // As in Create: the first resource is the bottleneck, each further one a fifth less busy.
        static double Busyness(int resource) => 1 - (0.2 * resource);
    }

    /// <summary>
    /// Builds the request both generators describe: nodes named n000… in two regions with the given capacity per
    /// resource; partitions p00000… over contiguous key blocks k00000…, log-normal in size, placed in uneven contiguous
    /// blocks so some nodes start hot; a forecast whose planning quantile (0.9) is <paramref name="planningLoad"/>, its
    /// median 1/1.2 of that and its 0.99 quantile 1.4/1.2; no size limit and no locality, so neither planner splits.
    /// </summary>
    private static PlanningRequest Assemble(
        int partitions,
        int resources,
        int steps,
        SplitMix64 random,
        double moveBudgetShare,
        int nodes,
        Func<int, int, double> nodeCapacity,
        Func<int, int, int, double> planningLoad)
    {
        var nodeInfos = new NodeInfo[nodes];
        for (var n = 0; n < nodes; n++)
        {
            var capacity = new Dictionary<ResourceKind, double>();
            for (var r = 0; r < resources; r++)
            {
                capacity[new ResourceKind(ResourceNames[r])] = nodeCapacity(n, r);
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
                    var load = planningLoad(p, r, t);
                    values[(t * 3) + 0] = load / 1.2;
                    values[(t * 3) + 1] = load;
                    values[(t * 3) + 2] = load * 1.4 / 1.2;
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

    /// <summary>
    /// The lower bound on the peak utilisation (load at the planning quantile / capacity) that any placement of
    /// <paramref name="request"/> can reach, whatever its move budget: the larger of total load / total capacity at the
    /// busiest resource and step (perfect balance) and the heaviest partition on the node that suits it best. For the
    /// instances here, whose resources share one threshold.
    /// </summary>
    public static double PlacementFreeLowerBound(PlanningRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var forecast = request.Forecast;
        var quantile = request.Constraints.PlanningQuantile;
        var nodes = request.Cluster.Nodes;
        var resources = nodes[0].Capacity.Keys.ToArray();
        var aggregate = 0.0;
        foreach (var resource in resources)
        {
            var capacity = nodes.Sum(n => n.Capacity[resource]);
            for (var t = 0; t < forecast.Horizon; t++)
            {
                var total = 0.0;
                foreach (var partition in request.Cluster.Partitions)
                {
                    total += forecast.ValueAt(partition.Id, resource, t, quantile);
                }

                aggregate = Math.Max(aggregate, total / capacity);
            }
        }

        var indivisible = 0.0;
        foreach (var partition in request.Cluster.Partitions)
        {
            var best = double.PositiveInfinity;
            foreach (var node in nodes)
            {
                var peak = 0.0;
                foreach (var resource in resources)
                {
                    for (var t = 0; t < forecast.Horizon; t++)
                    {
                        peak = Math.Max(peak, forecast.ValueAt(partition.Id, resource, t, quantile) / node.Capacity[resource]);
                    }
                }

                best = Math.Min(best, peak);
            }

            indivisible = Math.Max(indivisible, best);
        }

        return Math.Max(aggregate, indivisible);
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
