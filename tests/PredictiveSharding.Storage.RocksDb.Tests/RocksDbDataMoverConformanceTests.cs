using PredictiveSharding.Keys;
using PredictiveSharding.Moving;
using PredictiveSharding.TestKit.Moving;
using PredictiveSharding.Topology;

namespace PredictiveSharding.Storage.RocksDb.Tests;

/// <summary>
/// The IDataMover conformance suite against real RocksDB nodes in a temporary folder, with copies and checksum scans read
/// by one iterator and by four in parallel (ScanParallelism).
/// </summary>
[TestFixture(1)]
[TestFixture(4)]
public sealed class RocksDbDataMoverConformanceTests(int lanes) : DataMoverConformanceTests
{
    private readonly Dictionary<IDataMover, TempDirectory> _folders = [];

    protected override IDataMover CreateSut(IReadOnlyList<NodeId> nodes)
    {
        var folder = new TempDirectory();
        var cluster = new RocksDbCluster(new RocksDbClusterOptions { RootDirectory = folder.Path, ScanParallelism = lanes }, nodes);
        _folders.Add(cluster, folder);
        return cluster;
    }

    protected override async ValueTask HostWriteAsync(IDataMover sut, NodeId node, ShardKey key, ReadOnlyMemory<byte>? value, CancellationToken cancellationToken)
    {
        var store = ((RocksDbCluster)sut).Node(node);
        var result = value is { } bytes
            ? await store.PutAsync(key, bytes, cancellationToken)
            : await store.DeleteAsync(key, cancellationToken);
        Assert.That(result.Applied, Is.True, "a cluster without a routing table serves every key");
    }

    protected override async ValueTask DisposeSutAsync(IDataMover sut)
    {
        await base.DisposeSutAsync(sut);
        if (_folders.Remove(sut, out var folder))
        {
            folder.Dispose();
        }
    }
}
