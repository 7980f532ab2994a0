using PredictiveSharding.Hosting.Inventory;
using PredictiveSharding.Keys;
using PredictiveSharding.Routing;
using PredictiveSharding.Topology;

namespace PredictiveSharding.Hosting.Tests;

public sealed class FixedClusterInventoryTests
{
    [Test]
    public void CaptureAsync_CancelledWhileSizingPartitions_StopsAtTheNextPartition()
    {
        var map = new RoutingMap(
            [
                new PartitionRoute(new PartitionId("a"), KeyRange.FromStrings("", "h"), new NodeId("n1")),
                new PartitionRoute(new PartitionId("b"), KeyRange.FromStrings("h", "q"), new NodeId("n1")),
                new PartitionRoute(new PartitionId("c"), KeyRange.FromStrings("q", null), new NodeId("n1")),
            ],
            0);
        using var cancel = new CancellationTokenSource();
        var sized = 0;
        var inventory = new FixedClusterInventory([new NodeInfo(new NodeId("n1"), new Dictionary<ResourceKind, double> { [ResourceKind.Requests] = 10 })], _ =>
        {
            // A size callback that scans the range is where a capture spends its time; the host stops meanwhile.
            sized++;
            cancel.Cancel();
            return (1, 1);
        });

        Assert.That(async () => await inventory.CaptureAsync(map, new Dictionary<PartitionId, IReadOnlyList<KeySample>>(), cancel.Token), Throws.InstanceOf<OperationCanceledException>());
        Assert.That(sized, Is.EqualTo(1));
    }
}
