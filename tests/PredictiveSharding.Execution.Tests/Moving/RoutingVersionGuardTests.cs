using PredictiveSharding.Keys;
using PredictiveSharding.Moving;
using PredictiveSharding.Routing;
using PredictiveSharding.Topology;

namespace PredictiveSharding.Execution.Tests.Moving;

public sealed class RoutingVersionGuardTests
{
    private static readonly NodeId A = new("a");
    private static readonly NodeId B = new("b");

    [Test]
    public void EnsureOwner_AfterTheRangeMoved_ThrowsStaleRoutingNamingTheNewOwner()
    {
        var table = new RoutingTable(RoutingMap.WholeKeySpace(new PartitionId("p"), A));
        var guard = new RoutingVersionGuard(table);
        var key = ShardKey.FromString("x");

        Assert.That(guard.EnsureOwner(A, key, 0), Is.Zero);
        table.Apply(new MoveChange(new PartitionId("p"), B));

        var stale = Assert.Throws<StaleRoutingException>(() => guard.EnsureOwner(A, key, 0))!;
        Assert.That(stale.CurrentOwner, Is.EqualTo(B));
        Assert.That(stale.CurrentVersion, Is.EqualTo(1));
        Assert.That(stale.RequestVersion, Is.Zero);
        Assert.That(stale.Message, Does.Contain("'b'").And.Contain("'x'"));
        Assert.That(guard.IsOwner(B, key.Span), Is.True);
    }

    [Test]
    public void IsOwner_WhenAnotherPartitionChanged_StaysTrueForAnOlderRequestVersion()
    {
        var table = new RoutingTable(RoutingMap.WholeKeySpace(new PartitionId("p"), A));
        var guard = new RoutingVersionGuard(table);
        table.Apply(new SplitChange(new PartitionId("p"), [ShardKey.FromString("m")], [new PartitionId("l"), new PartitionId("r")]));
        table.Apply(new MoveChange(new PartitionId("r"), B));

        Assert.That(guard.IsOwner(A, "c"u8, out var version), Is.True, "a key whose range did not move is still served");
        Assert.That(version, Is.EqualTo(2));
        Assert.That(guard.IsOwner(A, "z"u8), Is.False);
    }
}
