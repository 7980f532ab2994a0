using PredictiveSharding.Keys;
using PredictiveSharding.Moving;
using PredictiveSharding.TestKit.Moving;
using PredictiveSharding.Topology;

namespace PredictiveSharding.Storage.RocksDb.Tests;

/// <summary>The IDataMover conformance suite against real RocksDB nodes in a temporary folder.</summary>
[TestFixture]
public sealed class RocksDbDataMoverConformanceTests : DataMoverConformanceTests
{
    private readonly Dictionary<IDataMover, TempDirectory> _folders = [];

    protected override IDataMover CreateSut(IReadOnlyList<NodeId> nodes)
    {
        var folder = new TempDirectory();
        var cluster = new RocksDbCluster(new RocksDbClusterOptions { RootDirectory = folder.Path }, nodes);
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
