using System.Globalization;
using PredictiveSharding.Forecasting;
using PredictiveSharding.Keys;
using PredictiveSharding.Planning;
using PredictiveSharding.Planning.Placement;
using PredictiveSharding.Topology;

namespace PredictiveSharding.Benchmarks.Planning;

/// <summary>
/// Seeded placement instances for the genetic planner's speed and quality benchmarks: partitions with log-normal
/// loads (one in twenty five times hotter), two resources (requests and cpu, correlated but not proportional), twelve
/// hourly steps of a daily curve with each partition a little early or late, quantiles 0.5/0.9/0.99 at
/// 0.8/1/1.2 × the 0.9 value; nodes of two sizes (every third one and a half times larger); the current placement in
/// contiguous key blocks sized by node capacity, which leaves some nodes over their threshold. No key samples and no
/// size limit, so the planner only places.
/// </summary>
public static class GeneticPlannerInstances
{
    /// <summary>The time every instance is planned at (the forecast origin).</summary>
    public static DateTimeOffset Now { get; } = new(2026, 1, 5, 0, 0, 0, TimeSpan.Zero);

    /// <summary>The utilisation threshold of every resource (the planner's default).</summary>
    public const double Threshold = 0.8;

    /// <summary>Creates an instance.</summary>
    /// <param name="partitions">Partitions (shards).</param>
    /// <param name="nodes">Nodes.</param>
    /// <param name="seed">The same arguments give the same instance.</param>
    /// <param name="meanUtilization">Mean utilisation of the cluster at q0.9 at its busiest step (default 0.7, under the 0.8 threshold).</param>
    /// <param name="moveBudgetShare">The move budget as a share of all bytes (1 = no effective limit).</param>
    public static PlanningRequest Create(int partitions, int nodes, int seed, double meanUtilization = 0.7, double moveBudgetShare = 1)
    {
        const int steps = 12;
        var random = new Random(seed);
        ResourceKind[] resources = [ResourceKind.Requests, ResourceKind.Cpu];
        var load = new double[partitions, resources.Length, steps];
        var total = new double[resources.Length, steps];
        var bytes = new long[partitions];
        long allBytes = 0;
        for (var p = 0; p < partitions; p++)
        {
            var weight = Math.Exp(0.8 * Gaussian(random)) * (random.NextDouble() < 0.05 ? 5 : 1);
            var phase = 0.6 * Gaussian(random);
            for (var r = 0; r < resources.Length; r++)
            {
                var mix = r == 0 ? 1 : Math.Exp(0.3 * Gaussian(random));
                for (var t = 0; t < steps; t++)
                {
                    var daily = 1 + (0.4 * Math.Cos((2 * Math.PI * (t - phase)) / 24));
                    load[p, r, t] = weight * mix * daily * (r == 0 ? 100 : 0.05);
                    total[r, t] += load[p, r, t];
                }
            }

            bytes[p] = (long)(weight * Math.Exp(0.5 * Gaussian(random)) * 200_000_000);
            allBytes += bytes[p];
        }

        double units = 0;
        for (var n = 0; n < nodes; n++)
        {
            units += Size(n);
        }

        var nodeInfos = new NodeInfo[nodes];
        for (var n = 0; n < nodes; n++)
        {
            var capacity = new Dictionary<ResourceKind, double>();
            for (var r = 0; r < resources.Length; r++)
            {
                double peak = 0;
                for (var t = 0; t < steps; t++)
                {
                    peak = Math.Max(peak, total[r, t]);
                }

                capacity[resources[r]] = peak / meanUtilization * Size(n) / units;
            }

            nodeInfos[n] = new NodeInfo(new NodeId("n" + n.ToString("000", CultureInfo.InvariantCulture)), capacity, n % 2 == 0 ? "eu" : "us");
        }

        // Contiguous key blocks, as many partitions per node as its share of capacity.
        var partitionInfos = new PartitionInfo[partitions];
        var series = new Dictionary<PartitionId, IReadOnlyDictionary<ResourceKind, QuantileSeries>>(partitions);
        var node = 0;
        double filled = 0;
        for (var p = 0; p < partitions; p++)
        {
            if (filled >= Size(node) / units * partitions && node < nodes - 1)
            {
                node++;
                filled = 0;
            }

            filled++;
            var id = new PartitionId("p" + p.ToString("00000", CultureInfo.InvariantCulture));
            var start = p == 0 ? ShardKey.Empty : ShardKey.FromString("k" + p.ToString("00000", CultureInfo.InvariantCulture));
            ShardKey? end = p == partitions - 1 ? null : ShardKey.FromString("k" + (p + 1).ToString("00000", CultureInfo.InvariantCulture));
            partitionInfos[p] = new PartitionInfo(id, new KeyRange(start, end), nodeInfos[node].Id, bytes[p], 1000);
            var byResource = new Dictionary<ResourceKind, QuantileSeries>();
            for (var r = 0; r < resources.Length; r++)
            {
                var values = new double[steps * 3];
                for (var t = 0; t < steps; t++)
                {
                    values[(t * 3) + 0] = 0.8 * load[p, r, t];
                    values[(t * 3) + 1] = load[p, r, t];
                    values[(t * 3) + 2] = 1.2 * load[p, r, t];
                }

                byResource[resources[r]] = new QuantileSeries(steps, 3, values);
            }

            series[id] = byResource;
        }

        var forecast = new LoadForecast(Now, TimeSpan.FromHours(1), [0.5, 0.9, 0.99], series);
        var constraints = new PlanningConstraints
        {
            MaxPartitionBytes = null,
            MoveBudgetBytes = moveBudgetShare >= 1 ? long.MaxValue : (long)(allBytes * moveBudgetShare),
            DefaultUtilizationThreshold = Threshold,
            LocalityWeight = 0,
        };
        return new PlanningRequest(new ClusterSnapshot(nodeInfos, partitionInfos, 1), forecast, constraints, Now);
    }

    /// <summary>
    /// The lower bound on the peak utilisation (load / capacity at q0.9) any placement of the instance can reach:
    /// max(total load / total capacity at the busiest resource and step, the heaviest partition on its best node).
    /// </summary>
    public static double LowerBoundUtilization(PlanningRequest request)
    {
        var model = LoadModel.Build(request);
        var (problem, _) = PlacementProblemBuilder.Build(model, [], [], new bool[model.Partitions.Length], new GeneticPlannerOptions());
        return LowerBound.Compute(problem.Reported).Value * Threshold;
    }

    private static double Size(int node) => node % 3 == 0 ? 1.5 : 1.0;

    private static double Gaussian(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
