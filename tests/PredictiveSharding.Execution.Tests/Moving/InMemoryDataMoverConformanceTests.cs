using PredictiveSharding.Keys;
using PredictiveSharding.Moving;
using PredictiveSharding.TestKit.Moving;
using PredictiveSharding.Topology;

namespace PredictiveSharding.Execution.Tests.Moving;

/// <summary>
/// The TestKit's in-memory store passes the conformance suite every mover must pass. The test cases and their
/// assertions are the base suite's (<see cref="DataMoverConformanceTests"/>); this fixture supplies the store and checks
/// that its host writes reach it.
/// </summary>
[TestFixture]
public sealed class InMemoryDataMoverConformanceTests : DataMoverConformanceTests
{
    protected override IDataMover CreateSut(IReadOnlyList<NodeId> nodes) => new InMemoryDataMover(nodes);

    protected override async ValueTask HostWriteAsync(IDataMover sut, NodeId node, ShardKey key, ReadOnlyMemory<byte>? value, CancellationToken cancellationToken)
    {
        var store = (InMemoryDataMover)sut;
        if (value is { } bytes)
        {
            await store.PutAsync(node, key, bytes, cancellationToken);
        }
        else
        {
            await store.DeleteAsync(node, key, cancellationToken);
        }
    }

    /// <summary>The suite's catch-up cases rely on this fixture's host writes reaching the store; a no-op would pass them vacuously.</summary>
    [Test]
    public async Task HostWrite_PutsThenDeletesThroughTheStoresOwnNode()
    {
        var key = ShardKey.FromString("k42");

        await HostWriteAsync(Sut, NodeA, key, new byte[] { 1, 2 }, CancellationToken.None);
        var written = ((InMemoryDataMover)Sut).Get(NodeA, key);
        var onB = ((InMemoryDataMover)Sut).Get(NodeB, key);
        await HostWriteAsync(Sut, NodeA, key, null, CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(written, Is.EqualTo(new byte[] { 1, 2 }));
            Assert.That(onB, Is.Null, "only the node written to holds it");
            Assert.That(((InMemoryDataMover)Sut).Get(NodeA, key), Is.Null, "a null value deletes");
        });
    }
}
