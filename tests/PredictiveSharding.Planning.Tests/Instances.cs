using System.Globalization;
using PredictiveSharding.Forecasting;
using PredictiveSharding.Keys;
using PredictiveSharding.Planning.Placement;
using PredictiveSharding.Topology;

namespace PredictiveSharding.Planning.Tests;

/// <summary>Small planning instances for the tests.</summary>
internal static class Instances
{
    public static DateTimeOffset Now { get; } = new(2026, 3, 2, 8, 0, 0, TimeSpan.Zero);

    public static NodeId Node(int i) => new("n" + i.ToString(CultureInfo.InvariantCulture));

    public static PartitionId Partition(int i) => new("p" + i.ToString("00", CultureInfo.InvariantCulture));

    public static NodeInfo NodeOf(int i, double requests, string region = "eu", double? disk = null)
    {
        var capacity = new Dictionary<ResourceKind, double> { [ResourceKind.Requests] = requests };
        if (disk is { } d)
        {
            capacity[ResourceKind.DiskBytes] = d;
        }

        return new NodeInfo(Node(i), capacity, region);
    }

    /// <summary>A partition spec: owner node index, peak load (requests at q0.9), bytes, optional samples and mix.</summary>
    public sealed record Spec(int Node, double Load, long Bytes = 1_000_000_000)
    {
        public IReadOnlyList<(string Key, double Weight)> Samples { get; init; } = [];

        public IReadOnlyDictionary<string, double> RegionMix { get; init; } = new Dictionary<string, double>();

        /// <summary>The step at which the load peaks (other steps carry 0.9 × the load).</summary>
        public int PeakStep { get; init; } = 3;
    }

    /// <summary>Partitions p00.. with ranges ["", "k01"), ["k01", "k02"), … ["kNN", +inf); sample keys should lie inside ("k05a"…).</summary>
    public static PlanningRequest Request(IReadOnlyList<NodeInfo> nodes, IReadOnlyList<Spec> specs, PlanningConstraints? constraints = null, int steps = 6)
    {
        var partitions = new List<PartitionInfo>();
        var series = new Dictionary<PartitionId, IReadOnlyDictionary<ResourceKind, QuantileSeries>>();
        for (var i = 0; i < specs.Count; i++)
        {
            var spec = specs[i];
            var start = i == 0 ? ShardKey.Empty : ShardKey.FromString(Boundary(i));
            ShardKey? end = i == specs.Count - 1 ? null : ShardKey.FromString(Boundary(i + 1));
            partitions.Add(new PartitionInfo(Partition(i), new KeyRange(start, end), nodes[spec.Node].Id, spec.Bytes, 1000)
            {
                KeySamples = [.. spec.Samples.Select(s => new KeySample(ShardKey.FromString(s.Key), s.Weight))],
                RegionMix = spec.RegionMix,
            });
            var values = new double[steps * 3];
            for (var t = 0; t < steps; t++)
            {
                var level = spec.Load * (t == spec.PeakStep ? 1 : 0.9);
                values[(t * 3) + 0] = 0.8 * level;
                values[(t * 3) + 1] = level;
                values[(t * 3) + 2] = 1.1 * level;
            }

            series[Partition(i)] = new Dictionary<ResourceKind, QuantileSeries> { [ResourceKind.Requests] = new QuantileSeries(steps, 3, values) };
        }

        var forecast = new LoadForecast(Now, TimeSpan.FromHours(1), [0.5, 0.9, 0.99], series);
        return new PlanningRequest(new ClusterSnapshot(nodes, partitions, 1), forecast, constraints ?? Constraints(), Now);
    }

    public static string Boundary(int i) => "k" + i.ToString("00", CultureInfo.InvariantCulture);

    /// <summary>Uniform samples inside partition i: keys "kNN-000".."kNN-{count-1}" (partition 0 uses the same prefix rule).</summary>
    public static IReadOnlyList<(string Key, double Weight)> UniformSamples(int partition, int count, double weight = 1) =>
        [.. Enumerable.Range(0, count).Select(j => (Boundary(partition) + "-" + j.ToString("000", CultureInfo.InvariantCulture), weight))];

    public static PlanningConstraints Constraints(long budget = long.MaxValue) => new()
    {
        MoveBudgetBytes = budget,
        MaxPartitionBytes = null,
        LocalityWeight = 0,
    };

    public static GeneticPlannerOptions Options(int seed = 1) => new() { Seed = seed, MaxGenerations = 40, DegreeOfParallelism = 2 };

    /// <summary>
    /// A random placement problem: shard loads log-normal-ish, a shared daily shape over the steps with per-shard
    /// phase, two resources, nodes of two sizes, random current placement. The first <paramref name="hotShards"/> shards
    /// are scaled to 1.5 × the largest node's allowance in their first resource (each fills any node alone), and
    /// <paramref name="isolationWeight"/> weighs the breaches of the nodes that hold them; <paramref name="perMoveCost"/>
    /// is charged for every moved shard.
    /// </summary>
    public static PlacementProblem RandomProblem(int shards, int nodes, int seed, int resources = 2, int steps = 6, long budget = long.MaxValue, double moveCost = 0, double moveOverhead = 0, int hotShards = 0, double isolationWeight = 0, double perMoveCost = 0, double overflowSpreadWeight = 0)
    {
        var random = new Random(seed);
        var dims = resources * steps;
        var load = new double[shards * dims];
        var load99 = new double[shards * dims];
        var bytes = new long[shards];
        var current = new int[shards];
        for (var s = 0; s < shards; s++)
        {
            var scale = Math.Exp(random.NextDouble() * 2.5);
            var phase = random.NextDouble() * Math.PI * 2;
            for (var r = 0; r < resources; r++)
            {
                var mix = 0.5 + random.NextDouble();
                for (var t = 0; t < steps; t++)
                {
                    var v = scale * mix * (1 + (0.3 * Math.Sin(phase + (2 * Math.PI * t / steps))));
                    load[(s * dims) + (r * steps) + t] = v;
                    load99[(s * dims) + (r * steps) + t] = v * 1.2;
                }
            }

            bytes[s] = (long)(scale * 1e8);
            current[s] = random.Next(nodes);
        }

        double total = 0;
        for (var i = 0; i < load.Length; i++)
        {
            total += load[i];
        }

        var perNode = total / resources / steps / nodes;
        var invAllow = new double[nodes * resources];
        var invCap = new double[nodes * resources];
        for (var n = 0; n < nodes; n++)
        {
            var size = n % 3 == 0 ? 1.5 : 1.0;
            for (var r = 0; r < resources; r++)
            {
                var cap = perNode * size * 1.6 * 0.85;
                invCap[(n * resources) + r] = 1 / cap;
                invAllow[(n * resources) + r] = 1 / (cap * 0.8);
            }
        }

        // With an overhead, each shard's copy lasts 1 to `steps` steps (so some copies end inside the horizon, some not).
        var transient = moveOverhead > 0 ? new MoveTransient([.. Enumerable.Range(0, shards).Select(_ => 1 + random.Next(steps))], moveOverhead) : null;
        var largestAllowance = 1 / invAllow.Where((_, i) => i % resources == 0).Min();
        for (var s = 0; s < hotShards; s++)
        {
            var first = load.AsSpan(s * dims, steps);
            var scale = 1.5 * largestAllowance / first.ToArray().Max();
            for (var d = 0; d < dims; d++)
            {
                load[(s * dims) + d] *= scale;
                load99[(s * dims) + d] *= scale;
            }
        }

        return new PlacementProblem(nodes, resources, steps, load, load99, bytes, current, new bool[shards], invAllow, invCap, budget, moveCost, 10, transient: transient)
        {
            IsolationWeight = isolationWeight,
            PerMoveCost = perMoveCost,
            OverflowSpreadWeight = overflowSpreadWeight,
        };
    }
}
