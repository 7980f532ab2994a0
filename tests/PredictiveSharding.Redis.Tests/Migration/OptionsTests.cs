using PredictiveSharding.Redis.Inventory;
using PredictiveSharding.Redis.Local;
using PredictiveSharding.Redis.Migration;

namespace PredictiveSharding.Redis.Tests.Migration;

public sealed class OptionsTests
{
    [Test]
    public void MigrationOptions_Defaults_AreValidOnceAJournalIsGiven()
    {
        Assert.That(() => new RedisMigrationOptions().Validate(), Throws.ArgumentException.With.Message.Contains("JournalPath"));
        Assert.That(() => new RedisMigrationOptions { JournalPath = "j.jsonl" }.Validate(), Throws.Nothing);
    }

    [Test]
    public void MigrationOptions_WhenASettingIsOutOfRange_ThrowsNamingIt()
    {
        Assert.That(() => new RedisMigrationOptions { JournalPath = "j", KeysPerBatch = 0 }.Validate(), Throws.TypeOf<ArgumentOutOfRangeException>().With.Message.Contains("KeysPerBatch").And.Message.Contains("got 0"));
        Assert.That(() => new RedisMigrationOptions { JournalPath = "j", MaxKeysPerSecond = double.NaN }.Validate(), Throws.TypeOf<ArgumentOutOfRangeException>().With.Message.Contains("MaxKeysPerSecond"));
        Assert.That(() => new RedisMigrationOptions { JournalPath = "j", Attempts = 0 }.Validate(), Throws.TypeOf<ArgumentOutOfRangeException>().With.Message.Contains("Attempts"));
        Assert.That(() => new RedisMigrationOptions { JournalPath = "j", Recovery = (RecoveryPolicy)7 }.Validate(), Throws.TypeOf<ArgumentOutOfRangeException>().With.Message.Contains("Recovery"));
    }

    [TestCase(50, 60_000)]
    [TestCase(99, 100)]
    [TestCase(3_600_001, 100)]
    public void MigrationOptions_WithAMaxRetryDelayOutOfRange_ThrowsNamingIt(int maxMilliseconds, int retryMilliseconds)
    {
        // The cap on the doubled retry delay is at least the first delay and at most an hour.
        var options = new RedisMigrationOptions { JournalPath = "j", RetryDelay = TimeSpan.FromMilliseconds(retryMilliseconds), MaxRetryDelay = TimeSpan.FromMilliseconds(maxMilliseconds) };

        Assert.That(options.Validate, Throws.TypeOf<ArgumentOutOfRangeException>().With.Message.Contains("MaxRetryDelay").And.Message.Contains("1 hour"));
        options.MaxRetryDelay = TimeSpan.FromMilliseconds(retryMilliseconds);
        Assert.That(options.Validate, Throws.Nothing);
    }

    [TestCase(0.5)]
    [TestCase(1e-300)]
    public void MigrationOptions_WithAKeyRateBelowOnePerSecond_ThrowsNamingIt(double rate)
    {
        // Any positive rate passed validation; a tiny one then made the throttle's wait for a batch (keys / rate seconds)
        // overflow a TimeSpan or pass what Task.Delay takes, and an OverflowException or ArgumentOutOfRangeException escaped
        // the move raw with its slot left open. The floor is one key a second (a slower move would hold a slot open for hours).
        Assert.That(() => new RedisMigrationOptions { JournalPath = "j", MaxKeysPerSecond = rate }.Validate(), Throws.TypeOf<ArgumentOutOfRangeException>().With.Message.Contains("MaxKeysPerSecond"));
        Assert.That(() => new RedisMigrationOptions { JournalPath = "j", MaxKeysPerSecond = 1 }.Validate(), Throws.Nothing);
    }

    [Test]
    public void InventoryOptions_WithoutARequestCapacity_ThrowsNamingIt()
    {
        Assert.That(() => new RedisClusterInventoryOptions().Validate(), Throws.TypeOf<ArgumentOutOfRangeException>().With.Message.Contains("RequestCapacityPerBucket"));
        Assert.That(() => new RedisClusterInventoryOptions { RequestCapacityPerBucket = 10, MemoryCapacityBytes = 0 }.Validate(), Throws.TypeOf<ArgumentOutOfRangeException>().With.Message.Contains("MemoryCapacityBytes"));
    }

    [TestCase(0)]
    [TestCase(-5)]
    [TestCase(60_001)]
    public void InventoryOptions_WithAReachabilityTimeoutOutOfRange_ThrowsNamingIt(int milliseconds)
    {
        Assert.That(
            () => new RedisClusterInventoryOptions { RequestCapacityPerBucket = 10, ReachabilityTimeout = TimeSpan.FromMilliseconds(milliseconds) }.Validate(),
            Throws.TypeOf<ArgumentOutOfRangeException>().With.Message.Contains("ReachabilityTimeout"));
        Assert.That(() => new RedisClusterInventoryOptions { RequestCapacityPerBucket = 10 }.Validate(), Throws.Nothing);
    }

    [Test]
    public void InventoryOptions_WithANullRegion_ThrowsNamingItsAddress()
    {
        // Passed validation, then failed every capture with an ArgumentNullException for 'region' that named no master.
        var options = new RedisClusterInventoryOptions { RequestCapacityPerBucket = 10, Regions = new Dictionary<string, string> { ["127.0.0.1:30001"] = "west", ["127.0.0.1:30002"] = null! } };

        Assert.That(options.Validate, Throws.ArgumentException.With.Message.Contains("Regions").And.Message.Contains("'127.0.0.1:30002'"));
    }

    [Test]
    public void LocalClusterOptions_WithAStartTimeoutNoTimerTakes_ThrowsNamingIt()
    {
        // Passed validation, then StartAsync's timer refused it with an exception about a 'delay' that named no setting.
        Assert.That(() => new LocalRedisClusterOptions { StartTimeout = TimeSpan.FromDays(60) }.Validate(), Throws.TypeOf<ArgumentOutOfRangeException>().With.Message.Contains("StartTimeout"));
        Assert.That(() => new LocalRedisClusterOptions { StartTimeout = TimeSpan.FromHours(1) }.Validate(), Throws.Nothing);
    }

    [Test]
    public void LocalClusterOptions_WithANodeTimeoutOverAnHour_ThrowsNamingItAndTheLimit()
    {
        // A node timeout that long never marks a killed node failed within any start or test, and TimeSpan.MaxValue
        // was handed to redis-server as 922337203685477 ms.
        Assert.Multiple(() =>
        {
            Assert.That(
                () => new LocalRedisClusterOptions { NodeTimeout = TimeSpan.MaxValue }.Validate(),
                Throws.TypeOf<ArgumentOutOfRangeException>().With.Message.Contains("NodeTimeout").And.Message.Contains("at most 01:00:00").And.Message.Contains(TimeSpan.MaxValue.ToString()));
            Assert.That(() => new LocalRedisClusterOptions { NodeTimeout = TimeSpan.FromHours(1) + TimeSpan.FromMilliseconds(1) }.Validate(), Throws.TypeOf<ArgumentOutOfRangeException>().With.Message.Contains("NodeTimeout"));
            Assert.That(() => new LocalRedisClusterOptions { NodeTimeout = TimeSpan.FromHours(1) }.Validate(), Throws.Nothing);
        });
    }

    [Test]
    public void LocalClusterOptions_WithTooFewMasters_ThrowsNamingIt()
    {
        Assert.That(() => new LocalRedisClusterOptions { Masters = 2 }.Validate(), Throws.TypeOf<ArgumentOutOfRangeException>().With.Message.Contains("Masters").And.Message.Contains("got 2"));
    }

    [TestCase("")]
    [TestCase("a,b")]
    [TestCase("with space")]
    [TestCase("quo\"te")]
    public void LocalClusterOptions_WithAPasswordTheConnectionStringCannotCarry_ThrowsNamingItButNotItsValue(string password)
    {
        Assert.That(
            () => new LocalRedisClusterOptions { Password = password }.Validate(),
            Throws.TypeOf<ArgumentOutOfRangeException>().With.Message.Contains("Password").And.Property(nameof(ArgumentOutOfRangeException.ActualValue)).Null);
        Assert.That(() => new LocalRedisClusterOptions { Password = "s3cret-Pa55!" }.Validate(), Throws.Nothing);
    }
}
