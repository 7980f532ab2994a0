using System.Globalization;
using PredictiveSharding.Keys;
using PredictiveSharding.Moving;
using PredictiveSharding.Routing;
using PredictiveSharding.Storage.RocksDb;
using PredictiveSharding.Topology;

namespace PredictiveSharding.Benchmarks.Execution;

/// <summary>
/// A RocksDB cluster in a temporary folder for the execution benchmarks: nodes <c>src</c> and <c>dst</c>, partition
/// <c>moving</c> (the first <see cref="MovingKeys"/> keys) and partition <c>staying</c> (the rest), both on <c>src</c>.
/// </summary>
public sealed class ExecutionBenchmarkStore : IDisposable
{
    /// <summary>The node the data starts on.</summary>
    public static readonly NodeId Source = new("src");

    /// <summary>The other node.</summary>
    public static readonly NodeId Target = new("dst");

    /// <summary>The partition the benchmarks move.</summary>
    public static readonly PartitionId Moving = new("moving");

    /// <summary>The partition that stays on <see cref="Source"/>.</summary>
    public static readonly PartitionId Staying = new("staying");

    /// <summary>Creates the folder and the cluster and loads the keys.</summary>
    /// <param name="movingKeys">Keys in the moving partition.</param>
    /// <param name="stayingKeys">Keys in the staying partition.</param>
    /// <param name="valueBytes">Bytes per value.</param>
    /// <param name="scanParallelism">The cluster's <see cref="RocksDbClusterOptions.ScanParallelism"/>; null for its default.</param>
    /// <param name="readBackWhileCopying">The cluster's <see cref="RocksDbClusterOptions.ReadBackWhileCopying"/>.</param>
    public ExecutionBenchmarkStore(int movingKeys, int stayingKeys, int valueBytes, int? scanParallelism = null, bool readBackWhileCopying = true)
    {
        MovingKeys = movingKeys;
        Keys = Enumerable.Range(0, movingKeys + stayingKeys).Select(Key).ToArray();
        ValueBytes = valueBytes;

        // Once here: the benchmarks build a plan from it inside every timed move.
        MovingBytes = Keys.Take(movingKeys).Sum(k => (long)k.Length + valueBytes);
        Folder = Path.Combine(Path.GetTempPath(), "psharding-bench-" + Guid.NewGuid().ToString("N"));
        var boundary = Keys[movingKeys];
        Routing = new RoutingTable(new RoutingMap(
            [new PartitionRoute(Moving, new KeyRange(ShardKey.Empty, boundary), Source), new PartitionRoute(Staying, new KeyRange(boundary, null), Source)],
            version: 0));
        var options = new RocksDbClusterOptions { RootDirectory = Path.Combine(Folder, "cluster"), ReadBackWhileCopying = readBackWhileCopying };
        options.ScanParallelism = scanParallelism ?? options.ScanParallelism;
        Cluster = new RocksDbCluster(options, [Source, Target], Routing);
        foreach (var batch in Keys.Chunk(4096))
        {
            Cluster.WriteAsync(Source, batch.Select(k => new KeyValueEntry(k, Value(valueBytes, 0))).ToList(), CancellationToken.None).AsTask().GetAwaiter().GetResult();
        }
    }

    /// <summary>The root folder (deleted on dispose).</summary>
    public string Folder { get; }

    /// <summary>All keys, ascending; the first <see cref="MovingKeys"/> are in <see cref="Moving"/>.</summary>
    public ShardKey[] Keys { get; }

    /// <summary>Keys in the moving partition.</summary>
    public int MovingKeys { get; }

    /// <summary>Bytes per value.</summary>
    public int ValueBytes { get; }

    /// <summary>The routing table the cluster checks host requests against.</summary>
    public RoutingTable Routing { get; }

    /// <summary>The cluster.</summary>
    public RocksDbCluster Cluster { get; }

    /// <summary>Bytes of keys and values in the moving partition.</summary>
    public long MovingBytes { get; }

    /// <summary>The node that owns the moving partition now.</summary>
    public NodeId MovingOwner => Routing.Current.Get(Moving).Node;

    /// <summary>Key number <paramref name="i"/>.</summary>
    public static ShardKey Key(int i) => ShardKey.FromString("user" + i.ToString("D8", CultureInfo.InvariantCulture));

    /// <summary>A value of <paramref name="bytes"/> bytes that depends on <paramref name="version"/>.</summary>
    public static byte[] Value(int bytes, long version)
    {
        var value = new byte[bytes];
        value.AsSpan().Fill((byte)('a' + (version % 26)));
        return value;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Cluster.Dispose();
        if (Directory.Exists(Folder))
        {
            Directory.Delete(Folder, recursive: true);
        }
    }
}
