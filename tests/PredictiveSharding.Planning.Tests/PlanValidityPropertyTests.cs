using System.Globalization;
using Microsoft.Extensions.Time.Testing;
using PredictiveSharding.Forecasting;
using PredictiveSharding.Keys;
using PredictiveSharding.Topology;

namespace PredictiveSharding.Planning.Tests;

/// <summary>
/// Random small requests (1–10 nodes, 1–40 partitions, 1–4 steps, one or two resources, disk from sizes, key samples
/// inside and outside the range and on its start, cooldowns, budgets, move caps, size limits, merges) planned with fixed
/// seeds: every plan must be executable in order and match its own figures, and plan the same on one thread as on three.
/// </summary>
public sealed class PlanValidityPropertyTests
{
    private static readonly DateTimeOffset Now = new(2026, 3, 2, 8, 0, 0, TimeSpan.Zero);

    private static (PlanningRequest Request, GeneticPlannerOptions Options) RandomRequest(int seed)
    {
        var random = new Random(seed);
        var nodeCount = 1 + random.Next(seed % 2 == 0 ? 5 : 10);
        var partitionCount = 1 + random.Next(seed % 2 == 0 ? 10 : 40);
        var steps = 1 + random.Next(4);
        var twoResources = random.Next(2) == 0;
        var nodes = new List<NodeInfo>();
        for (var n = 0; n < nodeCount; n++)
        {
            var cap = new Dictionary<ResourceKind, double> { [ResourceKind.Requests] = 50 + random.Next(200) };
            if (twoResources)
            {
                cap[ResourceKind.Cpu] = 4 + random.Next(12);
            }

            if (seed % 3 == 0)
            {
                cap[ResourceKind.DiskBytes] = 2e9 + (random.NextDouble() * 1e10);
            }

            nodes.Add(new NodeInfo(new NodeId("n" + n), cap, random.Next(2) == 0 ? "eu" : "us"));
        }

        var quantiles = new[] { 0.5, 0.9, 0.99 };
        var partitions = new List<PartitionInfo>();
        var series = new Dictionary<PartitionId, IReadOnlyDictionary<ResourceKind, QuantileSeries>>();
        var lastChanged = new Dictionary<PartitionId, DateTimeOffset>();
        for (var i = 0; i < partitionCount; i++)
        {
            var id = new PartitionId("p" + i.ToString("00", CultureInfo.InvariantCulture));
            var start = i == 0 ? ShardKey.Empty : ShardKey.FromString("k" + i.ToString("00", CultureInfo.InvariantCulture));
            ShardKey? end = i == partitionCount - 1 ? null : ShardKey.FromString("k" + (i + 1).ToString("00", CultureInfo.InvariantCulture));
            var samples = new List<KeySample>();
            var sampleCount = random.Next(4) == 0 ? random.Next(2) : random.Next(30);
            var prefix = i == 0 ? "a" : "k" + i.ToString("00", CultureInfo.InvariantCulture);
            for (var j = 0; j < sampleCount; j++)
            {
                var key = random.Next(10) switch
                {
                    0 => start, // the range's start itself
                    1 => ShardKey.FromString("zz"), // mostly outside
                    _ => ShardKey.FromString(prefix + "-" + random.Next(12).ToString("00", CultureInfo.InvariantCulture)),
                };
                samples.Add(new KeySample(key, random.Next(5) == 0 ? 0 : random.NextDouble() * 10));
            }

            var mix = random.Next(2) == 0 ? new Dictionary<string, double>() : new Dictionary<string, double> { ["eu"] = random.NextDouble(), ["us"] = random.NextDouble() };
            partitions.Add(new PartitionInfo(id, new KeyRange(start, end), nodes[random.Next(nodeCount)].Id, random.Next(4) == 0 ? 0 : (long)(random.NextDouble() * 4e9), 100)
            {
                KeySamples = samples,
                RegionMix = mix,
            });
            var resources = new Dictionary<ResourceKind, QuantileSeries>();
            foreach (var resource in twoResources ? new[] { ResourceKind.Requests, ResourceKind.Cpu } : [ResourceKind.Requests])
            {
                var scale = (resource == ResourceKind.Cpu ? 3 : 80) * (random.Next(3) == 0 ? 0 : random.NextDouble());
                var values = new double[steps * 3];
                for (var t = 0; t < steps; t++)
                {
                    var level = scale * (0.5 + random.NextDouble());
                    values[(t * 3) + 0] = 0.7 * level;
                    values[(t * 3) + 1] = level;
                    values[(t * 3) + 2] = level * (1 + random.NextDouble());
                }

                resources[resource] = new QuantileSeries(steps, 3, values);
            }

            series[id] = resources;
            if (random.Next(4) == 0)
            {
                lastChanged[id] = Now - TimeSpan.FromMinutes(random.Next(10));
            }
        }

        var forecast = new LoadForecast(Now, TimeSpan.FromMinutes(10), quantiles, series);
        var constraints = new PlanningConstraints
        {
            MoveBudgetBytes = random.Next(3) == 0 ? long.MaxValue : (long)(random.NextDouble() * 8e9),
            MaxMovesPerPlan = random.Next(3) == 0 ? 1 + random.Next(3) : null,
            MaxPartitionBytes = random.Next(2) == 0 ? null : 1_000_000_000 + (long)(random.NextDouble() * 3e9),
            AllowMerges = random.Next(2) == 0,
            LocalityWeight = random.Next(2) == 0 ? 0 : 0.05,
        };
        var request = new PlanningRequest(new ClusterSnapshot(nodes, partitions, 1), forecast, constraints, Now) { LastChanged = lastChanged };
        var options = new GeneticPlannerOptions
        {
            Seed = seed,
            MaxGenerations = 8,
            DegreeOfParallelism = 1,
            TimeBudget = TimeSpan.FromHours(1),
            SplitOnOverflowQuantile = random.Next(2) == 0,
            RebalanceUnderThresholds = random.Next(3) == 0,
            PerMoveCost = random.Next(3) == 0 ? 0.01 : 0,
            IsolationWeight = random.Next(3) == 0 ? 2 : 0,
            BreachSumWeight = random.Next(3) == 0 ? 1 : 0,
        };
        return (request, options);
    }

    [Test]
    public void Plan_OnRandomRequests_IsExecutableInOrder_WithinItsLimits_MatchesItsFigures_AndIsTheSameOnAnyThreadCount()
    {
        var failures = new List<string>();
        var kinds = new HashSet<Type>();
        for (var seed = 0; seed < 200; seed++)
        {
            var (request, options) = RandomRequest(seed);
            ShardingPlan plan;
            try
            {
                plan = new GeneticShardPlanner(options, new FakeTimeProvider()).Plan(request, CancellationToken.None);
            }
            catch (Exception e)
            {
                failures.Add($"seed {seed}: threw {e.GetType().Name}: {e.Message}");
                continue;
            }

            kinds.UnionWith(plan.Actions.Select(a => a.GetType()));
            foreach (var problem in Check(request, plan))
            {
                failures.Add($"seed {seed}: {problem}");
            }

            options.DegreeOfParallelism = 3;
            var again = new GeneticShardPlanner(options, new FakeTimeProvider()).Plan(request, CancellationToken.None);
            if (!Describe(again).SequenceEqual(Describe(plan)))
            {
                failures.Add($"seed {seed}: DOP 3 plans differently");
            }
        }

        Assert.That(failures, Is.Empty);
        Assert.That(kinds, Is.EquivalentTo(new[] { typeof(SplitAction), typeof(MergeAction), typeof(MoveAction) }), "the requests exercise every kind of action");
    }

    private static IEnumerable<string> Describe(ShardingPlan plan) =>
        plan.Actions.Select(a => a switch
        {
            SplitAction s => $"split {s.Partition} at {string.Join(",", s.SplitKeys)} into {string.Join(",", s.NewPartitions)}",
            MoveAction m => $"move {m.Shard} {m.From}->{m.To} {m.Bytes}",
            MergeAction g => $"merge {g.Left}+{g.Right}={g.Merged}",
            _ => a.ToString(),
        }).Append($"after {plan.After}");

    /// <summary>
    /// Carries the plan out on a model of the cluster: splits at keys strictly inside and ascending, into new ids; merges of
    /// adjacent partitions on one node; moves of existing shards from their node to a known one; nothing in cooldown;
    /// splits and merges before moves; within the byte budget and the move cap; the key space still tiled; and the
    /// plan's predicted peak recomputed from the forecast (children by their sampled load share, disk by key share).
    /// </summary>
    private static List<string> Check(PlanningRequest request, ShardingPlan plan)
    {
        var problems = new List<string>();
        var cluster = request.Cluster;
        var forecast = request.Forecast;
        var q = request.Constraints.PlanningQuantile;
        var steps = forecast.Horizon;
        var names = forecast.Partitions.Values.First().Keys.Select(r => r.Name).ToList();
        var diskFromSizes = !names.Contains(ResourceKind.DiskBytes.Name) && cluster.Nodes.All(n => n.Capacity.ContainsKey(ResourceKind.DiskBytes));
        if (diskFromSizes)
        {
            names.Add(ResourceKind.DiskBytes.Name);
        }

        var resources = names.OrderBy(r => r, StringComparer.Ordinal).Select(n => new ResourceKind(n)).ToArray();

        // State: shard id -> (range, node, bytes, load per resource and step).
        var state = new Dictionary<PartitionId, (KeyRange Range, NodeId Node, long Bytes, double[] Load)>();
        foreach (var p in cluster.Partitions)
        {
            var load = new double[resources.Length * steps];
            for (var r = 0; r < resources.Length; r++)
            {
                for (var t = 0; t < steps; t++)
                {
                    load[(r * steps) + t] = diskFromSizes && resources[r] == ResourceKind.DiskBytes ? p.SizeBytes : forecast.ValueAt(p.Id, resources[r], t, q);
                }
            }

            state[p.Id] = (p.Range, p.Node, p.SizeBytes, load);
        }

        bool Cooling(PartitionId id) => request.LastChanged.TryGetValue(id, out var c) && c + request.Constraints.Cooldown > request.Now;
        var everSeen = new HashSet<PartitionId>(state.Keys);
        var movedOnce = new HashSet<PartitionId>();
        long movedBytes = 0;
        var moves = 0;
        var seenMove = false;
        foreach (var action in plan.Actions)
        {
            switch (action)
            {
                case SplitAction split:
                    if (seenMove)
                    {
                        problems.Add("split after a move");
                    }

                    if (!state.TryGetValue(split.Partition, out var parent))
                    {
                        problems.Add($"split of unknown {split.Partition}");
                        break;
                    }

                    if (Cooling(split.Partition))
                    {
                        problems.Add($"split of cooling {split.Partition}");
                    }

                    IReadOnlyList<KeyRange> ranges;
                    try
                    {
                        ranges = parent.Range.SplitAt(split.SplitKeys);
                    }
                    catch (ArgumentException e)
                    {
                        problems.Add($"split keys of {split.Partition}: {e.Message}");
                        break;
                    }

                    var info = cluster.GetPartition(split.Partition);
                    var inRange = info.KeySamples.Where(s => parent.Range.Contains(s.Key)).ToList();
                    var total = inRange.Sum(s => s.Weight);
                    var distinct = inRange.Select(s => s.Key).Distinct().Count();
                    state.Remove(split.Partition);
                    for (var c = 0; c < ranges.Count; c++)
                    {
                        var child = split.NewPartitions[c];
                        if (!everSeen.Add(child))
                        {
                            problems.Add($"child id {child} not new");
                        }

                        var mine = inRange.Where(s => ranges[c].Contains(s.Key)).ToList();
                        var sizeShare = (double)mine.Select(s => s.Key).Distinct().Count() / distinct;
                        var share = total > 0 ? mine.Sum(s => s.Weight) / total : sizeShare;
                        var childLoad = new double[parent.Load.Length];
                        for (var d = 0; d < childLoad.Length; d++)
                        {
                            childLoad[d] = parent.Load[d] * (resources[d / steps] == ResourceKind.DiskBytes ? sizeShare : share);
                        }

                        state[child] = (ranges[c], parent.Node, 0, childLoad);
                    }

                    break;
                case MergeAction merge:
                    if (seenMove)
                    {
                        problems.Add("merge after a move");
                    }

                    if (!state.TryGetValue(merge.Left, out var left) || !state.TryGetValue(merge.Right, out var right))
                    {
                        problems.Add($"merge of unknown {merge.Left}/{merge.Right}");
                        break;
                    }

                    if (left.Node != right.Node || left.Range.End != right.Range.Start || Cooling(merge.Left) || Cooling(merge.Right))
                    {
                        problems.Add($"bad merge {merge.Left}+{merge.Right}");
                    }

                    if (!everSeen.Add(merge.Merged))
                    {
                        problems.Add($"merged id {merge.Merged} not new");
                    }

                    state.Remove(merge.Left);
                    state.Remove(merge.Right);
                    state[merge.Merged] = (new KeyRange(left.Range.Start, right.Range.End), left.Node, left.Bytes + right.Bytes, left.Load.Zip(right.Load, (a, b) => a + b).ToArray());
                    break;
                case MoveAction move:
                    seenMove = true;
                    if (!state.TryGetValue(move.Shard, out var shard))
                    {
                        problems.Add($"move of unknown {move.Shard}");
                        break;
                    }

                    if (shard.Node != move.From)
                    {
                        problems.Add($"move of {move.Shard} from {move.From} but it is on {shard.Node}");
                    }

                    if (!cluster.ContainsNode(move.To))
                    {
                        problems.Add($"move to unknown node {move.To}");
                    }

                    if (Cooling(move.Shard))
                    {
                        problems.Add($"move of cooling {move.Shard}");
                    }

                    if (!movedOnce.Add(move.Shard))
                    {
                        problems.Add($"{move.Shard} moved twice");
                    }

                    movedBytes += move.Bytes;
                    moves++;
                    state[move.Shard] = shard with { Node = move.To };
                    break;
            }
        }

        if (movedBytes != plan.MovedBytes)
        {
            problems.Add($"moved bytes {movedBytes} != reported {plan.MovedBytes}");
        }

        if (movedBytes > request.Constraints.MoveBudgetBytes)
        {
            problems.Add($"moved bytes {movedBytes} > budget {request.Constraints.MoveBudgetBytes}");
        }

        if (request.Constraints.MaxMovesPerPlan is { } maxMoves && moves > maxMoves)
        {
            problems.Add($"{moves} moves > {maxMoves}");
        }

        // Coverage: ranges tile the key space.
        var sorted = state.Values.Select(v => v.Range).OrderBy(r => r.Start).ToList();
        for (var i = 0; i + 1 < sorted.Count; i++)
        {
            if (sorted[i].End != sorted[i + 1].Start)
            {
                problems.Add("ranges do not tile");
            }
        }

        // Peak recomputation.
        double peak = 0;
        foreach (var node in cluster.Nodes)
        {
            for (var r = 0; r < resources.Length; r++)
            {
                for (var t = 0; t < steps; t++)
                {
                    var sum = state.Values.Where(v => v.Node == node.Id).Sum(v => v.Load[(r * steps) + t]);
                    peak = Math.Max(peak, sum / node.Capacity[resources[r]]);
                }
            }
        }

        if (Math.Abs(peak - plan.After.MaxUtilization) > 1e-9 * Math.Max(1, peak))
        {
            problems.Add($"after {plan.After.MaxUtilization} != recomputed {peak}");
        }

        return problems;
    }
}
