using PredictiveSharding.Redis.Cluster;
using PredictiveSharding.Redis.Slots;
using PredictiveSharding.Redis.Tests.Infrastructure;

namespace PredictiveSharding.Redis.Tests.Slots;

public sealed class ClusterNodesParserTests
{
    private const string Nodes =
        "07c37dfeb235213a872192d90877d0cd55635b91 127.0.0.1:30004@31004,host-a slave e7d1eecce10fd6bb5eb35b9f99a514335d9ba9ca 0 1426238317239 4 connected\n" +
        "67ed2db8d677e59ec4a4cefb06858cf2a1a89fa1 127.0.0.1:30002@31002 master - 0 1426238316232 2 connected 5461-10922 [5460-<-e7d1eecce10fd6bb5eb35b9f99a514335d9ba9ca]\n" +
        "e7d1eecce10fd6bb5eb35b9f99a514335d9ba9ca 127.0.0.1:30001@31001 myself,master - 0 0 1 connected 0-5460 [5460->-67ed2db8d677e59ec4a4cefb06858cf2a1a89fa1]\n" +
        "292f8b365bb7edb5e285caf0b7e6ddc7265d2f4f 127.0.0.1:30003@31003 master,fail? - 0 1426238318243 3 connected 10923-16383 16000\n";

    [Test]
    public void Parse_ReadsAddressesFlagsSlotsAndOpenSlots()
    {
        var nodes = ClusterNodesParser.Parse(Nodes);

        Assert.That(nodes.Select(n => n.Address), Is.EqualTo(new[] { "127.0.0.1:30004", "127.0.0.1:30002", "127.0.0.1:30001", "127.0.0.1:30003" }));
        var myself = nodes.Single(n => n.IsMyself);
        Assert.That(myself.IsMaster, Is.True);
        Assert.That(myself.Slots, Is.EqualTo(new[] { new HashSlotRange(0, 5461) }));
        Assert.That(myself.Migrating[5460], Is.EqualTo("67ed2db8d677e59ec4a4cefb06858cf2a1a89fa1"));
        Assert.That(nodes[1].Importing[5460], Is.EqualTo("e7d1eecce10fd6bb5eb35b9f99a514335d9ba9ca"));
        Assert.That(nodes[1].ConfigEpoch, Is.EqualTo(2));
        Assert.That(nodes[3].IsFailing, Is.True);
        Assert.That(nodes[3].Slots, Is.EqualTo(new[] { new HashSlotRange(10923, 16384), new HashSlotRange(16000, 16001) }));
        Assert.That(nodes[0].IsMaster, Is.False);
    }

    [Test]
    public void View_WhenTwoMastersClaimASlot_TheHigherEpochOwnsIt()
    {
        var listing = ClusterNodesParser.Parse(Nodes);
        var oldOwner = ClusterNodesParser.Parse("e7d1eecce10fd6bb5eb35b9f99a514335d9ba9ca 127.0.0.1:30001@31001 myself,master - 0 0 1 connected 0-5460\n").Single();
        var newOwner = ClusterNodesParser.Parse("67ed2db8d677e59ec4a4cefb06858cf2a1a89fa1 127.0.0.1:30002@31002 myself,master - 0 0 7 connected 5460-10922\n").Single();
        var self = new Dictionary<string, ClusterNode> { ["127.0.0.1:30001"] = oldOwner, ["127.0.0.1:30002"] = newOwner };

        var view = new ClusterView(listing, self, []);

        Assert.That(view.OwnerOf(5460)!.Address, Is.EqualTo("127.0.0.1:30002"));
        Assert.That(view.OwnerOf(5459)!.Address, Is.EqualTo("127.0.0.1:30001"));
        Assert.That(view.OwnerOf(12000)!.Address, Is.EqualTo("127.0.0.1:30003"));
    }

    [Test]
    public async Task ReadView_WhenAMasterHasNoAddress_LeavesItOutAndReadsTheOthers()
    {
        // A master whose node id stopped answering at its address (the address now holds another node, e.g. one restarted
        // with an empty nodes.conf) is kept as "noaddr" with the address ":0@0" until an operator forgets it.
        const string A = "e7d1eecce10fd6bb5eb35b9f99a514335d9ba9ca";
        const string B = "67ed2db8d677e59ec4a4cefb06858cf2a1a89fa1";
        const string Gone = "292f8b365bb7edb5e285caf0b7e6ddc7265d2f4f :0@0 master,fail,noaddr - 1426238317239 1426238316232 3 disconnected\n";
        var nodes = new Dictionary<string, string>
        {
            ["127.0.0.1:30001"] = $"{A} 127.0.0.1:30001@31001 myself,master - 0 0 1 connected 0-8191\n{B} 127.0.0.1:30002@31002 master - 0 1426238316232 2 connected 8192-16383\n" + Gone,
            ["127.0.0.1:30002"] = $"{A} 127.0.0.1:30001@31001 master - 0 1426238316232 1 connected 0-8191\n{B} 127.0.0.1:30002@31002 myself,master - 0 0 2 connected 8192-16383\n" + Gone,
        };
        var (connection, _) = CannedNodesConnection.Create(nodes);

        var view = await new RedisClusterAdmin(connection).ReadViewAsync(CancellationToken.None);

        Assert.That(view.Masters.Select(m => m.Address), Is.EqualTo(new[] { "127.0.0.1:30001", "127.0.0.1:30002" }));
        Assert.That(view.OwnerOf(0)!.Address, Is.EqualTo("127.0.0.1:30001"));
        Assert.That(view.OwnerOf(HashSlot.Count - 1)!.Address, Is.EqualTo("127.0.0.1:30002"));
        var map = await RedisSlotRouting.BuildRoutingMapAsync(connection, HashSlot.Count, CancellationToken.None);
        Assert.That(map.Routes.Select(r => r.Node.Value), Is.EqualTo(new[] { "127.0.0.1:30001", "127.0.0.1:30002" }));
    }

    [Test]
    public void Parse_WhenALineIsTruncated_ThrowsFormatException()
    {
        Assert.That(() => ClusterNodesParser.Parse("abc 127.0.0.1:1 master"), Throws.TypeOf<FormatException>().With.Message.Contains("abc 127.0.0.1:1 master"));
    }
}
