namespace PredictiveSharding.Execution.Tests.Reporting;

[TestFixture]
public sealed class FenceHoldTimesTests
{
    [Test]
    public void Record_ManyMoreThanTheWindow_KeepsTheWindowOnlyWithCountAndMaxOverAll()
    {
        // An executor kept every fence's hold time for its lifetime and sorted them all on each read: a host running it
        // for months grew the list without limit.
        var times = new FenceHoldTimes();
        times.Record(TimeSpan.FromSeconds(30));
        for (var i = 0; i < (FenceHoldTimes.WindowSize * 3) - 1; i++)
        {
            times.Record(TimeSpan.FromMilliseconds(1 + (i % 5)));
        }

        var statistics = times.Snapshot();

        Assert.Multiple(() =>
        {
            Assert.That(times.Retained, Is.EqualTo(FenceHoldTimes.WindowSize));
            Assert.That(statistics.Count, Is.EqualTo(FenceHoldTimes.WindowSize * 3));
            Assert.That(statistics.Max, Is.EqualTo(TimeSpan.FromSeconds(30)), "the longest hold left the window but is kept");
            Assert.That(statistics.P50, Is.EqualTo(TimeSpan.FromMilliseconds(3)), "the median of the latest window");
        });
    }

    [Test]
    public void Snapshot_FewHoldTimes_IsTheirCountMedianAndMax()
    {
        var times = new FenceHoldTimes();
        Assert.That(times.Snapshot(), Is.EqualTo(default(FenceStatistics)));

        foreach (var ms in new[] { 40, 10, 20, 30 })
        {
            times.Record(TimeSpan.FromMilliseconds(ms));
        }

        Assert.That(times.Snapshot(), Is.EqualTo(new FenceStatistics(4, TimeSpan.FromMilliseconds(20), TimeSpan.FromMilliseconds(40))));
    }
}
