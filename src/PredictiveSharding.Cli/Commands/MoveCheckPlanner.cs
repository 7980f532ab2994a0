using System.Globalization;
using PredictiveSharding.Keys;
using PredictiveSharding.Planning;
using PredictiveSharding.Routing;
using PredictiveSharding.Topology;

namespace PredictiveSharding.Cli.Commands;

/// <summary>
/// Builds move-check's seeded plans from the current routing: one or two moves of different partitions to other nodes,
/// each partition first split at a random key with probability one half (the move then takes one of the new shards).
/// </summary>
internal sealed class MoveCheckPlanner
{
    private static readonly UtilizationSummary NoForecast = new(0, new NodeId("none"), ResourceKind.Requests, 0);
    private readonly MoveCheckKeySpace _keys;
    private readonly IReadOnlyList<NodeId> _nodes;
    private readonly Random _random;
    private readonly int _minimumKeysPerShard;
    private int _nextShard;

    public MoveCheckPlanner(MoveCheckKeySpace keys, IReadOnlyList<NodeId> nodes, Random random)
    {
        _keys = keys;
        _nodes = nodes;
        _random = random;
        _minimumKeysPerShard = Math.Max(8, keys.Count / 200);
    }

    /// <summary>The initial routing: 2 partitions per node, over equal numbers of keys, placed round-robin.</summary>
    public RoutingMap InitialRouting()
    {
        var partitions = _nodes.Count * 2;
        var routes = new List<PartitionRoute>(partitions);
        var start = ShardKey.Empty;
        for (var i = 0; i < partitions; i++)
        {
            ShardKey? end = i == partitions - 1 ? null : _keys.Keys[(int)((long)_keys.Count * (i + 1) / partitions)];
            routes.Add(new PartitionRoute(new PartitionId("p" + i.ToString(CultureInfo.InvariantCulture)), new KeyRange(start, end), _nodes[i % _nodes.Count]));
            start = end ?? start;
        }

        return new RoutingMap(routes, 0);
    }

    /// <summary>A plan with at most <paramref name="maxMoves"/> moves (one or two), and the ranges it moves.</summary>
#pragma warning disable CA5394 // Not security-sensitive: seeded, reproducible plans.
    public (ShardingPlan Plan, IReadOnlyList<MoveAction> Moves, IReadOnlyList<KeyRange> Ranges) Next(RoutingMap routing, int maxMoves)
    {
        var moveCount = Math.Min(maxMoves, 1 + _random.Next(2));
        var candidates = routing.Routes.OrderBy(_ => _random.Next()).Take(moveCount).ToList();
        var actions = new List<ShardingAction>();
        var moves = new List<MoveAction>();
        var ranges = new List<KeyRange>();
        foreach (var route in candidates)
        {
            var (first, end) = _keys.IndexesOf(route.Range);
            var shard = route.Partition;
            var range = route.Range;
            if (end - first >= 2 * _minimumKeysPerShard && _random.Next(2) == 0)
            {
                var splitIndex = _random.Next(first + _minimumKeysPerShard, end - _minimumKeysPerShard + 1);
                var splitKey = _keys.Keys[splitIndex];
                var left = NewShardId();
                var right = NewShardId();
                actions.Add(new SplitAction(route.Partition, [splitKey], [left, right], "move-check: split before a move"));
                var takeLeft = _random.Next(2) == 0;
                shard = takeLeft ? left : right;
                range = takeLeft ? new KeyRange(route.Range.Start, splitKey) : new KeyRange(splitKey, route.Range.End);
            }

            var others = _nodes.Where(n => n != route.Node).ToList();
            var to = others[_random.Next(others.Count)];
            var (rangeFirst, rangeEnd) = _keys.IndexesOf(range);
            var bytes = (long)(rangeEnd - rangeFirst) * (_keys.Keys[0].Length + _keys.ValueBytes);
            var move = new MoveAction(shard, route.Node, to, bytes, DateTimeOffset.UnixEpoch, TimeSpan.Zero, "move-check: seeded move");
            actions.Add(move);
            moves.Add(move);
            ranges.Add(range);
        }

        return (new ShardingPlan(true, actions, NoForecast, NoForecast, moves.Sum(m => m.Bytes), TimeSpan.Zero), moves, ranges);
    }
#pragma warning restore CA5394

    private PartitionId NewShardId() => new("s" + (_nextShard++).ToString(CultureInfo.InvariantCulture));
}
