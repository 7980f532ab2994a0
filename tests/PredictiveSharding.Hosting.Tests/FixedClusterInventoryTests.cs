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

    [TestCase("duplicate", "'n1' appears more than once")]
    [TestCase("null", "node #1 is null")]
    [TestCase("no id", "node #1 has no id")]
    public void Constructor_WithABadNode_ThrowsNamingIt(string problem, string expected)
    {
        // Accepted, the node list failed every capture, so every control cycle from the first, instead of the host's start.
        var n1 = new NodeInfo(new NodeId("n1"), new Dictionary<ResourceKind, double> { [ResourceKind.Requests] = 10 });
        NodeInfo second = problem switch
        {
            "duplicate" => n1,
            "null" => null!,
            _ => new NodeInfo(default, new Dictionary<ResourceKind, double>()),
        };

        Assert.That(() => new FixedClusterInventory([n1, second], _ => (1, 1)), Throws.ArgumentException.With.Message.Contains(expected).And.Property(nameof(ArgumentException.ParamName)).EqualTo("nodes"));
    }

    [Test]
    public async Task CaptureAsync_AfterTheCallersListChanged_ReportsTheNodesItWasMadeWith()
    {
        // A fixed inventory: the list is copied when it is made, as it is validated then.
        var nodes = new List<NodeInfo> { new(new NodeId("n1"), new Dictionary<ResourceKind, double> { [ResourceKind.Requests] = 10 }) };
        var inventory = new FixedClusterInventory(nodes, _ => (1, 1));
        nodes.Add(nodes[0]);

        var snapshot = await inventory.CaptureAsync(RoutingMap.WholeKeySpace(new PartitionId("a"), new NodeId("n1")), new Dictionary<PartitionId, IReadOnlyList<KeySample>>(), CancellationToken.None);

        Assert.That(snapshot.Nodes.Select(n => n.Id), Is.EqualTo(new[] { new NodeId("n1") }));
    }
}
