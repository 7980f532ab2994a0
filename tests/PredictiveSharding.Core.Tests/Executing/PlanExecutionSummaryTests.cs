using PredictiveSharding.Executing;

namespace PredictiveSharding.Core.Tests.Executing;

public sealed class PlanExecutionSummaryTests
{
    [TestCase(-1, 0, 0L, "Completed")]
    [TestCase(0, -1, 0L, "RolledBack")]
    [TestCase(0, 0, -1L, "BytesMoved")]
    public void Constructor_WithANegativeCount_ThrowsNamingIt(int completed, int rolledBack, long bytesMoved, string name)
    {
        // A host executor's negative figure was taken as is: the control loop added negative bytes to its
        // psharding.loop.bytes_moved counter, which only goes up (a metrics backend reads a drop as a reset).
        Assert.That(
            () => new PlanExecutionSummary(completed, rolledBack, bytesMoved, []),
            Throws.InstanceOf<ArgumentOutOfRangeException>().With.Property(nameof(ArgumentException.ParamName)).EqualTo(name).And.Message.Contains("-1"));
    }

    [Test]
    public void With_ANegativeCount_ThrowsNamingIt()
    {
        var summary = new PlanExecutionSummary(1, 0, 10, []);

        Assert.That(
            () => summary with { BytesMoved = -5 },
            Throws.InstanceOf<ArgumentOutOfRangeException>().With.Property(nameof(ArgumentException.ParamName)).EqualTo("BytesMoved"));
    }

    [Test]
    public void Constructor_WithZeroCounts_KeepsThem()
    {
        var summary = new PlanExecutionSummary(0, 0, 0, []);

        Assert.That((summary.Completed, summary.RolledBack, summary.BytesMoved), Is.EqualTo((0, 0, 0L)));
    }
}
