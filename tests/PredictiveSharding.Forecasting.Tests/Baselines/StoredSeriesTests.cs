using PredictiveSharding.Forecasting.Features;

namespace PredictiveSharding.Forecasting.Tests.Baselines;

public sealed class StoredSeriesTests
{
    [Test]
    public void Append_OverlappingRecentData_AddsOnlyTheNewBuckets()
    {
        var stored = StoredSeries.From(TestSeries.From("a", [1, 2, 3]), "h");
        var recent = TestSeries.From("a", [2, 3, 4, 5], start: TestSeries.Start + TestSeries.Hour);

        var merged = stored.Append(recent, maxLength: 100, "recent");

        Assert.That(merged.Values, Is.EqualTo(new[] { 1.0, 2, 3, 4, 5 }));
        Assert.That(merged.Start, Is.EqualTo(TestSeries.Start));
    }

    [Test]
    public void Append_BeyondMaxLength_KeepsTheNewestValues()
    {
        var stored = StoredSeries.From(TestSeries.From("a", [1, 2, 3]), "h");
        var recent = TestSeries.From("a", [4, 5, 6, 7], start: TestSeries.Start + (TestSeries.Hour * 3));

        var merged = stored.Append(recent, maxLength: 3, "recent");

        Assert.That(merged.Values, Is.EqualTo(new[] { 5.0, 6, 7 }));
        Assert.That(merged.Start, Is.EqualTo(TestSeries.Start + (TestSeries.Hour * 4)));
    }

    [Test]
    public void Append_Gap_ThrowsArgumentExceptionNamingTheSeries()
    {
        var stored = StoredSeries.From(TestSeries.From("a", [1, 2, 3]), "h");
        var recent = TestSeries.From("a", [9], start: TestSeries.Start + (TestSeries.Hour * 5));

        var e = Assert.Throws<ArgumentException>(() => stored.Append(recent, 100, "recent"));

        Assert.That(e!.Message, Does.Contain("'a'").And.Contain("gap"));
    }

    [Test]
    public void From_InfiniteLoad_ThrowsNamingSeriesAndBucket()
    {
        var series = new Telemetry.PartitionLoadSeries(
            new Topology.PartitionId("a"),
            TestSeries.Hour,
            [Telemetry.LoadBucket.OfRequests(TestSeries.Start, 1), new Telemetry.LoadBucket(TestSeries.Start + TestSeries.Hour, double.MaxValue, double.MaxValue)]);

        var e = Assert.Throws<ArgumentException>(() => StoredSeries.From(series, "history"));

        Assert.That(e!.Message, Does.Contain("'a'").And.Contain("bucket 1").And.Contain("Infinity"));
    }

    [Test]
    public void EmpiricalQuantile_OfSorted_InterpolatesLinearly()
    {
        double[] sorted = [1, 2, 4, 8];

        Assert.That(EmpiricalQuantile.OfSorted(sorted, 0), Is.EqualTo(1.0));
        Assert.That(EmpiricalQuantile.OfSorted(sorted, 0.5), Is.EqualTo(3.0));
        Assert.That(EmpiricalQuantile.OfSorted(sorted, 0.9), Is.EqualTo(6.8).Within(1e-12));
        Assert.That(EmpiricalQuantile.OfSorted(sorted, 1), Is.EqualTo(8.0));
    }

    [Test]
    public void NelderMead_Quadratic_FindsTheMinimum()
    {
        var (point, value) = NelderMead.Minimize(x => Math.Pow(x[0] - 3, 2) + (10 * Math.Pow(x[1] + 1, 2)), [0.0, 0.0], 1.0, 500, 1e-14, CancellationToken.None);

        Assert.That(point[0], Is.EqualTo(3.0).Within(1e-3));
        Assert.That(point[1], Is.EqualTo(-1.0).Within(1e-3));
        Assert.That(value, Is.LessThan(1e-6));
    }
}
