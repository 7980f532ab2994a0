namespace PredictiveSharding.Execution.Tests;

public sealed class ExecutorOptionsTests
{
    [Test]
    public void Validate_WithDefaults_Passes() => Assert.That(() => new ExecutorOptions().Validate(), Throws.Nothing);

    [Test]
    public void Defaults_AreModest() =>
        Assert.That(new ExecutorOptions().ThrottleBytesPerSecond, Is.EqualTo(8L * 1024 * 1024));

    private static IEnumerable<TestCaseData> BadOptions()
    {
        yield return new TestCaseData(new ExecutorOptions { ChunkBytes = 10 }, "ChunkBytes", "10");
        yield return new TestCaseData(new ExecutorOptions { ThrottleBytesPerSecond = 0 }, "ThrottleBytesPerSecond", "0");
        yield return new TestCaseData(new ExecutorOptions { MaxConcurrentMovesPerNode = 0 }, "MaxConcurrentMovesPerNode", "0");
        yield return new TestCaseData(new ExecutorOptions { CatchUpLagThreshold = -1 }, "CatchUpLagThreshold", "-1");
        yield return new TestCaseData(new ExecutorOptions { MaxCatchUpRounds = 0 }, "MaxCatchUpRounds", "0");
        yield return new TestCaseData(new ExecutorOptions { ChangeBatchSize = 0 }, "ChangeBatchSize", "0");
        yield return new TestCaseData(new ExecutorOptions { FenceTimeout = TimeSpan.Zero }, "FenceTimeout", "00:00:00");
        yield return new TestCaseData(new ExecutorOptions { MaxCutOverAttempts = 0 }, "MaxCutOverAttempts", "0");
        yield return new TestCaseData(new ExecutorOptions { CleanupGracePeriod = TimeSpan.FromSeconds(-1) }, "CleanupGracePeriod", "-00:00:01");
        yield return new TestCaseData(new ExecutorOptions { MaxRetryAttempts = 101 }, "MaxRetryAttempts", "101");
        yield return new TestCaseData(new ExecutorOptions { RetryBaseDelay = TimeSpan.FromSeconds(-1) }, "RetryBaseDelay", "-00:00:01");

        // Longer than a timer can wait (about 49.7 days): accepted, every cut-over, grace period or retry would throw later.
        yield return new TestCaseData(new ExecutorOptions { FenceTimeout = TimeSpan.FromDays(60) }, "FenceTimeout", "60.00:00:00");
        yield return new TestCaseData(new ExecutorOptions { CleanupGracePeriod = TimeSpan.FromDays(60) }, "CleanupGracePeriod", "60.00:00:00");
        yield return new TestCaseData(new ExecutorOptions { CleanupGracePeriod = TimeSpan.MaxValue }, "CleanupGracePeriod", TimeSpan.MaxValue.ToString());
        yield return new TestCaseData(new ExecutorOptions { RetryBaseDelay = TimeSpan.FromDays(60) }, "RetryBaseDelay", "60.00:00:00");
    }

    [TestCaseSource(nameof(BadOptions))]
    public void Validate_WithABadValue_NamesTheOptionAndTheValue(ExecutorOptions options, string name, string value)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(options.Validate)!;

        Assert.That(error.ParamName, Is.EqualTo(name));
        Assert.That(error.Message, Does.Contain("ExecutorOptions." + name).And.Contain(value));
    }

    [Test]
    public void Validate_WithoutATransientTest_Throws() =>
        Assert.That(() => new ExecutorOptions { IsTransient = null! }.Validate(), Throws.ArgumentException.With.Message.Contains("IsTransient"));

    [Test]
    public void Constructor_WithBadOptions_ThrowsBeforeUse()
    {
        var cluster = TestCluster.Create(10);

        Assert.That(() => new ShardingExecutor(cluster.Routing, cluster.Store, new PredictiveSharding.Execution.Journal.InMemoryMoveJournal("c"), new ExecutorOptions { ChunkBytes = 0 }), Throws.InstanceOf<ArgumentOutOfRangeException>());
    }
}
