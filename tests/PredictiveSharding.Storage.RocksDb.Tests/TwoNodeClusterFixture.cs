using System.Text;
using PredictiveSharding.Keys;
using PredictiveSharding.Moving;
using PredictiveSharding.Topology;

namespace PredictiveSharding.Storage.RocksDb.Tests;

/// <summary>A fresh folder per test and a two-node RocksDB cluster opened in it: what the store's own tests share.</summary>
public abstract class TwoNodeClusterFixture
{
    protected static readonly NodeId A = new("a");
    protected static readonly NodeId B = new("b");

    /// <summary>The test's folder; every node's database lives under it.</summary>
    protected TempDirectory Folder { get; private set; } = null!;

    [SetUp]
    public void CreateFolder() => Folder = new TempDirectory();

    [TearDown]
    public void DeleteFolder() => Folder.Dispose();

    /// <summary>Opens (or reopens) the cluster of nodes a and b in the test's folder.</summary>
    protected RocksDbCluster Open() => new(new RocksDbClusterOptions { RootDirectory = Folder.Path }, [A, B]);

    /// <summary>Opens (or reopens) the cluster with <paramref name="lanes"/> parallel iterators per copy or checksum scan.</summary>
    protected RocksDbCluster Open(int lanes) => new(new RocksDbClusterOptions { RootDirectory = Folder.Path, ScanParallelism = lanes }, [A, B]);

    protected static KeyValueEntry Entry(string key, string value) => new(ShardKey.FromString(key), Encoding.UTF8.GetBytes(value));
}
