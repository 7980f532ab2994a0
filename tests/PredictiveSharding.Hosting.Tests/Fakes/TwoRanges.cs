using System.Globalization;
using PredictiveSharding.Keys;
using PredictiveSharding.Moving;
using PredictiveSharding.Planning;
using PredictiveSharding.Routing;
using PredictiveSharding.TestKit.Moving;
using PredictiveSharding.Topology;

namespace PredictiveSharding.Hosting.Tests.Fakes;

/// <summary>
/// The cluster the executor and health-check tests move data in: partitions "a" ([, m)) and "b" ([m, )) both on n1, n2
/// empty, and keys "z000", "z001", … that all fall in "b".
/// </summary>
internal static class TwoRanges
{
    public static readonly NodeId N1 = new("n1");
    public static readonly NodeId N2 = new("n2");

    public static RoutingTable Routing() => new(new RoutingMap(
        [
            new PartitionRoute(new PartitionId("a"), KeyRange.FromStrings("", "m"), N1),
            new PartitionRoute(new PartitionId("b"), KeyRange.FromStrings("m", null), N1),
        ],
        0));

    /// <summary>A store over n1 and n2 with <paramref name="keys"/> keys of <paramref name="valueBytes"/> bytes each in "b" on n1.</summary>
    public static InMemoryDataMover Store(RoutingTable routing, int keys, int valueBytes)
    {
        var store = new InMemoryDataMover([N1, N2], routing);
        store.Seed(N1, Enumerable.Range(0, keys).Select(i => new KeyValueEntry(ShardKey.FromString("z" + i.ToString("D3", CultureInfo.InvariantCulture)), new byte[valueBytes])));
        return store;
    }

    /// <summary>A plan of one move of <paramref name="partition"/> from n1 to n2, expecting <paramref name="bytes"/>.</summary>
    public static ShardingPlan MoveToN2(string partition, long bytes)
    {
        var summary = new UtilizationSummary(1, N1, ResourceKind.Requests, 0);
        return new ShardingPlan(true, [new MoveAction(new PartitionId(partition), N1, N2, bytes, DateTimeOffset.UnixEpoch, TimeSpan.Zero, "test move")], summary, summary, bytes, TimeSpan.Zero);
    }
}
