using PredictiveSharding.Redis.Inventory;
using PredictiveSharding.Redis.Slots;
using PredictiveSharding.Redis.Tests.Infrastructure;
using PredictiveSharding.Topology;

namespace PredictiveSharding.Redis.Tests.Inventory;

/// <summary>The inventory over canned <c>CLUSTER NODES</c> answers with masters flagged failing.</summary>
public sealed class FailingMasterInventoryTests
{
    private const string A = "e7d1eecce10fd6bb5eb35b9f99a514335d9ba9ca";
    private const string B = "67ed2db8d677e59ec4a4cefb06858cf2a1a89fa1";
    private const string C = "292f8b365bb7edb5e285caf0b7e6ddc7265d2f4f";
    private const string D = "07c37dfeb235213a872192d90877d0cd55635b91";

    private static readonly Dictionary<PartitionId, IReadOnlyList<KeySample>> NoSamples = [];

    [Test]
    public async Task Capture_LeavesMastersFlaggedFailOrPfailOutOfTheNodesThePlannerMayMoveTo()
    {
        // C is down (fail: the masters agreed, as after a failover took its slots), D only suspected down by A (fail?, PFAIL);
        // neither serves a slot and neither answers.
        var others = $"{C} 127.0.0.1:30003@31003 master,fail - 1426238317239 1426238316232 3 disconnected\n" +
                     $"{D} 127.0.0.1:30004@31004 master,fail? - 1426238317239 1426238316232 4 connected\n";
        var (connection, _) = CannedNodesConnection.Create(new Dictionary<string, string>
        {
            ["127.0.0.1:30001"] = $"{A} 127.0.0.1:30001@31001 myself,master - 0 0 1 connected 0-8191\n{B} 127.0.0.1:30002@31002 master - 0 1426238316232 2 connected 8192-16383\n" + others,
            ["127.0.0.1:30002"] = $"{A} 127.0.0.1:30001@31001 master - 0 1426238316232 1 connected 0-8191\n{B} 127.0.0.1:30002@31002 myself,master - 0 0 2 connected 8192-16383\n" + others,
        });
        var map = await RedisSlotRouting.BuildRoutingMapAsync(connection, maxSlotsPerPartition: 4096, CancellationToken.None);
        var inventory = new RedisClusterInventory(connection, new RedisClusterInventoryOptions { RequestCapacityPerBucket = 1000 });

        var snapshot = await inventory.CaptureAsync(map, NoSamples, CancellationToken.None);

        Assert.That(snapshot.Nodes.Select(n => n.Id.Value), Is.EqualTo(new[] { "127.0.0.1:30001", "127.0.0.1:30002" }));
        Assert.That(snapshot.Partitions.Select(p => p.Node.Value).Distinct(), Is.EquivalentTo(new[] { "127.0.0.1:30001", "127.0.0.1:30002" }));
        Assert.That(snapshot.Partitions, Has.Count.EqualTo(4));
    }

    [TestCase("fail")]
    [TestCase("fail?")]
    public async Task Capture_WhenAMasterFlaggedFailingServesAPartition_ThrowsNamingIt(string flag)
    {
        // B still serves its slots (no replica took them over), so it cannot be left out of the snapshot; the map was built
        // before it failed.
        var healthy = $"{A} 127.0.0.1:30001@31001 myself,master - 0 0 1 connected 0-8191\n{B} 127.0.0.1:30002@31002 master - 0 1426238316232 2 connected 8192-16383\n";
        var (before, _) = CannedNodesConnection.Create(new Dictionary<string, string>
        {
            ["127.0.0.1:30001"] = healthy,
            ["127.0.0.1:30002"] = $"{A} 127.0.0.1:30001@31001 master - 0 1426238316232 1 connected 0-8191\n{B} 127.0.0.1:30002@31002 myself,master - 0 0 2 connected 8192-16383\n",
        });
        var map = await RedisSlotRouting.BuildRoutingMapAsync(before, maxSlotsPerPartition: 4096, CancellationToken.None);
        var (connection, _) = CannedNodesConnection.Create(new Dictionary<string, string>
        {
            ["127.0.0.1:30001"] = $"{A} 127.0.0.1:30001@31001 myself,master - 0 0 1 connected 0-8191\n{B} 127.0.0.1:30002@31002 master,{flag} - 1426238317239 1426238316232 2 connected 8192-16383\n",
        });
        var inventory = new RedisClusterInventory(connection, new RedisClusterInventoryOptions { RequestCapacityPerBucket = 1000 });

        Assert.That(
            async () => await inventory.CaptureAsync(map, NoSamples, CancellationToken.None),
            Throws.InvalidOperationException.With.Message.Contains("'127.0.0.1:30002'").And.Message.Contains(flag).And.Message.Contains("slots-8192-12287"));
    }

    [Test]
    public async Task Capture_LeavesOutAMasterThatDoesNotAnswerThoughNoNodeFlagsItYet()
    {
        // C crashed a moment ago: the others have not missed its pings for a node timeout yet, so no flag says so, but its
        // connection is refused. It serves no slot (a master just added, the likeliest target of a move).
        var c = $"{C} 127.0.0.1:30003@31003 master - 0 1426238316232 3 connected\n";
        var (connection, _) = CannedNodesConnection.Create(new Dictionary<string, string>
        {
            ["127.0.0.1:30001"] = $"{A} 127.0.0.1:30001@31001 myself,master - 0 0 1 connected 0-8191\n{B} 127.0.0.1:30002@31002 master - 0 1426238316232 2 connected 8192-16383\n" + c,
            ["127.0.0.1:30002"] = $"{A} 127.0.0.1:30001@31001 master - 0 1426238316232 1 connected 0-8191\n{B} 127.0.0.1:30002@31002 myself,master - 0 0 2 connected 8192-16383\n" + c,
        });
        var map = await RedisSlotRouting.BuildRoutingMapAsync(connection, maxSlotsPerPartition: 4096, CancellationToken.None);
        var inventory = new RedisClusterInventory(connection, new RedisClusterInventoryOptions { RequestCapacityPerBucket = 1000 });

        var snapshot = await inventory.CaptureAsync(map, NoSamples, CancellationToken.None);

        Assert.That(snapshot.Nodes.Select(n => n.Id.Value), Is.EqualTo(new[] { "127.0.0.1:30001", "127.0.0.1:30002" }));
    }

    [Test]
    public async Task Capture_LeavesOutAMasterThatHangsOnceItsReachabilityTimeoutIsOver()
    {
        // C takes commands and never answers (hung, or its host gone without closing the connection): the multiplexer would
        // wait its own timeout, or for good; the inventory waits ReachabilityTimeout. The token only guards against a hang.
        var c = $"{C} 127.0.0.1:30003@31003 master - 0 1426238316232 3 connected\n";
        var (connection, canned) = CannedNodesConnection.Create(new Dictionary<string, string>
        {
            ["127.0.0.1:30001"] = $"{A} 127.0.0.1:30001@31001 myself,master - 0 0 1 connected 0-8191\n{B} 127.0.0.1:30002@31002 master - 0 1426238316232 2 connected 8192-16383\n" + c,
            ["127.0.0.1:30002"] = $"{A} 127.0.0.1:30001@31001 master - 0 1426238316232 1 connected 0-8191\n{B} 127.0.0.1:30002@31002 myself,master - 0 0 2 connected 8192-16383\n" + c,
        });
        var map = await RedisSlotRouting.BuildRoutingMapAsync(connection, maxSlotsPerPartition: 4096, CancellationToken.None);
        canned.Hung.Add("127.0.0.1:30003");
        var inventory = new RedisClusterInventory(connection, new RedisClusterInventoryOptions { RequestCapacityPerBucket = 1000, ReachabilityTimeout = TimeSpan.FromMilliseconds(50) });
        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(60));

        var snapshot = await inventory.CaptureAsync(map, NoSamples, guard.Token);

        Assert.That(snapshot.Nodes.Select(n => n.Id.Value), Is.EqualTo(new[] { "127.0.0.1:30001", "127.0.0.1:30002" }));
    }

    [Test]
    public async Task Capture_WhenAMasterServingAPartitionDoesNotAnswer_ThrowsNamingIt()
    {
        // B crashed a moment ago and still serves its slots; no flag says so yet. Its partitions cannot be counted (they
        // were reported empty) and it must not be offered as a place to move others to.
        // The map was built while it answered (a map is not built while a master serving slots is silent).
        var healthy = $"{A} 127.0.0.1:30001@31001 myself,master - 0 0 1 connected 0-8191\n{B} 127.0.0.1:30002@31002 master - 0 1426238316232 2 connected 8192-16383\n";
        var (before, _) = CannedNodesConnection.Create(new Dictionary<string, string>
        {
            ["127.0.0.1:30001"] = healthy,
            ["127.0.0.1:30002"] = $"{A} 127.0.0.1:30001@31001 master - 0 1426238316232 1 connected 0-8191\n{B} 127.0.0.1:30002@31002 myself,master - 0 0 2 connected 8192-16383\n",
        });
        var map = await RedisSlotRouting.BuildRoutingMapAsync(before, maxSlotsPerPartition: 4096, CancellationToken.None);
        var (connection, _) = CannedNodesConnection.Create(new Dictionary<string, string> { ["127.0.0.1:30001"] = healthy });
        var inventory = new RedisClusterInventory(connection, new RedisClusterInventoryOptions { RequestCapacityPerBucket = 1000 });

        Assert.That(
            async () => await inventory.CaptureAsync(map, NoSamples, CancellationToken.None),
            Throws.InvalidOperationException.With.Message.Contains("'127.0.0.1:30002'").And.Message.Contains("did not answer").And.Message.Contains("slots-8192-12287"));
    }

    [Test]
    public async Task Capture_WhenAMasterHangsOnCountKeysInSlotAfterAnsweringInfo_ThrowsNamingItOnceItsReachabilityTimeoutIsOver()
    {
        // B answered CLUSTER NODES and INFO, then hung before its COUNTKEYSINSLOT replies: the capture waited for them with
        // no timeout, so the control loop's cycle stalled for good. The token only guards the test against that hang.
        var (connection, canned) = CannedNodesConnection.Create(new Dictionary<string, string>
        {
            ["127.0.0.1:30001"] = $"{A} 127.0.0.1:30001@31001 myself,master - 0 0 1 connected 0-8191\n{B} 127.0.0.1:30002@31002 master - 0 1426238316232 2 connected 8192-16383\n",
            ["127.0.0.1:30002"] = $"{A} 127.0.0.1:30001@31001 master - 0 1426238316232 1 connected 0-8191\n{B} 127.0.0.1:30002@31002 myself,master - 0 0 2 connected 8192-16383\n",
        });
        var map = await RedisSlotRouting.BuildRoutingMapAsync(connection, maxSlotsPerPartition: 4096, CancellationToken.None);
        canned.HungOnCountKeys.Add("127.0.0.1:30002");
        var inventory = new RedisClusterInventory(connection, new RedisClusterInventoryOptions { RequestCapacityPerBucket = 1000, ReachabilityTimeout = TimeSpan.FromMilliseconds(50) });
        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(30));

        Assert.That(
            async () => await inventory.CaptureAsync(map, NoSamples, guard.Token),
            Throws.InvalidOperationException.With.Message.Contains("'127.0.0.1:30002'").And.Message.Contains("COUNTKEYSINSLOT").And.Message.Contains("slots-8192-12287")
                .And.InnerException.InstanceOf<TimeoutException>());
        Assert.That(guard.IsCancellationRequested, Is.False, "the capture gave up on its own, not through the guard");
    }

    [Test]
    public void Capture_WhenCancelledWhileAMasterHangs_Throws()
    {
        var c = $"{C} 127.0.0.1:30003@31003 master - 0 1426238316232 3 connected\n";
        var (connection, canned) = CannedNodesConnection.Create(new Dictionary<string, string>
        {
            ["127.0.0.1:30001"] = $"{A} 127.0.0.1:30001@31001 myself,master - 0 0 1 connected 0-16383\n" + c,
        });
        canned.Hung.Add("127.0.0.1:30003");
        var inventory = new RedisClusterInventory(connection, new RedisClusterInventoryOptions { RequestCapacityPerBucket = 1000, ReachabilityTimeout = TimeSpan.FromMinutes(1) });
        using var cancel = new CancellationTokenSource();
        var map = Routing.RoutingMap.WholeKeySpace(new PartitionId("all"), new NodeId("127.0.0.1:30001"));

        var capture = inventory.CaptureAsync(map, NoSamples, cancel.Token).AsTask();
        cancel.Cancel();

        Assert.That(async () => await capture, Throws.InstanceOf<OperationCanceledException>());
    }

    [Test]
    public async Task Capture_AfterTheOptionsObjectIsChanged_KeepsTheValidatedSettings()
    {
        // The options are validated when the inventory is created; a change to the same object afterwards is not, so it must
        // not reach the snapshots (a capacity of -5 requests would be handed to the planner).
        var (connection, _) = CannedNodesConnection.Create(new Dictionary<string, string>
        {
            ["127.0.0.1:30001"] = $"{A} 127.0.0.1:30001@31001 myself,master - 0 0 1 connected 0-8191\n{B} 127.0.0.1:30002@31002 master - 0 1426238316232 2 connected 8192-16383\n",
            ["127.0.0.1:30002"] = $"{A} 127.0.0.1:30001@31001 master - 0 1426238316232 1 connected 0-8191\n{B} 127.0.0.1:30002@31002 myself,master - 0 0 2 connected 8192-16383\n",
        });
        var map = await RedisSlotRouting.BuildRoutingMapAsync(connection, maxSlotsPerPartition: 4096, CancellationToken.None);
        var options = new RedisClusterInventoryOptions { RequestCapacityPerBucket = 1000, Regions = new Dictionary<string, string> { ["127.0.0.1:30001"] = "west" } };
        var inventory = new RedisClusterInventory(connection, options);
        options.RequestCapacityPerBucket = -5;
        ((Dictionary<string, string>)options.Regions)["127.0.0.1:30001"] = "east";

        var snapshot = await inventory.CaptureAsync(map, NoSamples, CancellationToken.None);

        Assert.That(snapshot.Nodes.Select(n => n.Capacity[ResourceKind.Requests]), Has.All.EqualTo(1000));
        Assert.That(snapshot.Nodes.Single(n => n.Id.Value == "127.0.0.1:30001").Region, Is.EqualTo("west"));
    }
}
