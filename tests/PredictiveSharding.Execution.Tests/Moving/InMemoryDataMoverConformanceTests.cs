using PredictiveSharding.Keys;
using PredictiveSharding.Moving;
using PredictiveSharding.TestKit.Moving;
using PredictiveSharding.Topology;

namespace PredictiveSharding.Execution.Tests.Moving;

/// <summary>
/// The TestKit's in-memory store passes the conformance suite every mover must pass. The test cases and their
/// assertions are the base suite's (<see cref="DataMoverConformanceTests"/>); this fixture only supplies the store.
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
}
