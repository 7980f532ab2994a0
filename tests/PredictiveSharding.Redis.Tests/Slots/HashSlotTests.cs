using PredictiveSharding.Keys;
using PredictiveSharding.Redis.Slots;
using PredictiveSharding.Topology;

namespace PredictiveSharding.Redis.Tests.Slots;

public sealed class HashSlotTests
{
    [Test]
    public void Crc16_OfTheStandardCheckString_IsTheXmodemCheckValue()
    {
        // "123456789" is the check input of every CRC catalogue; CRC-16/XMODEM gives 0x31C3 (Redis's cluster spec quotes it).
        Assert.That(HashSlot.Crc16("123456789"u8), Is.EqualTo(0x31C3));
    }

    [TestCase("foo", 12182)]
    [TestCase("bar", 5061)]
    [TestCase("hello", 866)]
    [TestCase("", 0)]
    public void GetSlot_OfKnownKeys_MatchesRedis(string key, int slot)
    {
        Assert.That(HashSlot.GetSlot(key), Is.EqualTo(slot));
    }

    [TestCase("{user1000}.following", "user1000")]
    [TestCase("{user1000}.followers", "user1000")]
    [TestCase("foo{bar}{zap}", "bar")]
    [TestCase("foo{{bar}}zap", "{bar")]
    public void GetSlot_WithHashTag_HashesOnlyTheTag(string key, string tag)
    {
        Assert.That(HashSlot.GetSlot(key), Is.EqualTo(HashSlot.GetSlot(tag)));
    }

    [TestCase("foo{}{bar}")]
    [TestCase("{}")]
    [TestCase("foo{bar")]
    public void GetSlot_WithEmptyOrUnclosedTag_HashesTheWholeKey(string key)
    {
        Assert.That(HashSlot.GetSlot(key), Is.EqualTo(HashSlot.Crc16(System.Text.Encoding.UTF8.GetBytes(key)) & 16383));
    }

    [Test]
    public void ToKey_And_CeilingSlot_RoundTripEverySlot()
    {
        for (var slot = 0; slot < HashSlot.Count; slot++)
        {
            Assert.That(HashSlot.CeilingSlot(HashSlot.ToKey(slot)), Is.EqualTo(slot));
        }
    }

    [Test]
    public void CeilingSlot_OfKeysBetweenSlots_RoundsUp()
    {
        Assert.That(HashSlot.CeilingSlot(ShardKey.Empty), Is.EqualTo(0));
        Assert.That(HashSlot.CeilingSlot(ShardKey.FromBytes([0x01])), Is.EqualTo(0x0100));
        Assert.That(HashSlot.CeilingSlot(ShardKey.FromBytes([0x01, 0x02, 0x00])), Is.EqualTo(0x0103));
        Assert.That(HashSlot.CeilingSlot(ShardKey.FromBytes([0xFF, 0xFF])), Is.EqualTo(HashSlot.Count));
    }

    [Test]
    public void ToKey_WhenSlotIsOutOfRange_Throws()
    {
        Assert.That(() => HashSlot.ToKey(HashSlot.Count), Throws.TypeOf<ArgumentOutOfRangeException>().With.Message.Contains("16384"));
        Assert.That(() => HashSlot.ToKey(-1), Throws.TypeOf<ArgumentOutOfRangeException>().With.Message.Contains("-1"));
    }

    [Test]
    public void HashSlotRange_ToKeyRangeAndBack_IsTheSameRange()
    {
        foreach (var range in new[] { new HashSlotRange(0, 100), new HashSlotRange(100, 5461), new HashSlotRange(5461, HashSlot.Count), new HashSlotRange(0, HashSlot.Count) })
        {
            Assert.That(HashSlotRange.FromKeyRange(range.ToKeyRange()), Is.EqualTo(range));
        }

        Assert.That(new HashSlotRange(0, HashSlot.Count).ToKeyRange(), Is.EqualTo(KeyRange.Full));
    }

    [Test]
    public void HashSlotRange_WhenEndBeforeStart_ThrowsNamingTheValue()
    {
        Assert.That(() => new HashSlotRange(10, 5), Throws.TypeOf<ArgumentOutOfRangeException>().With.Message.Contains("got 5"));
    }

    [Test]
    public void FromOwners_CutsRunsIntoPartitionsOfAtMostTheGivenSlots()
    {
        var a = new NodeId("127.0.0.1:1");
        var b = new NodeId("127.0.0.1:2");
        var owners = Enumerable.Range(0, HashSlot.Count).Select(s => s < 10_000 ? a : b).ToArray();

        var map = RedisSlotRouting.FromOwners(owners, maxSlotsPerPartition: 4096);

        var ranges = map.Routes.Select(r => (HashSlotRange.FromKeyRange(r.Range), r.Node)).ToList();
        Assert.That(ranges, Is.EqualTo(new[]
        {
            (new HashSlotRange(0, 4096), a), (new HashSlotRange(4096, 8192), a), (new HashSlotRange(8192, 10_000), a),
            (new HashSlotRange(10_000, 14_096), b), (new HashSlotRange(14_096, HashSlot.Count), b),
        }));
        Assert.That(map.Routes[0].Partition.Value, Is.EqualTo("slots-0-4095"));
        Assert.That(map.Route(HashSlot.ToKey(9_999)).Node, Is.EqualTo(a));
        Assert.That(map.Route(HashSlot.ToKey(10_000)).Node, Is.EqualTo(b));
    }

    [Test]
    public void FromOwners_WhenNotEveryslotHasAnOwner_Throws()
    {
        Assert.That(() => RedisSlotRouting.FromOwners(new NodeId[10], 100), Throws.ArgumentException.With.Message.Contains("got 10"));
    }
}
