using PredictiveSharding.Forecasting;
using PredictiveSharding.Telemetry;
using PredictiveSharding.Topology;

namespace PredictiveSharding.Core.Tests.Forecasting;

public sealed class LoadForecastTests
{
    private static readonly PartitionId P = new("p1");

    private static LoadForecast Forecast(double[] quantiles, double[] values) =>
        new(DateTimeOffset.UnixEpoch, TimeSpan.FromHours(1), quantiles, new Dictionary<PartitionId, IReadOnlyDictionary<ResourceKind, QuantileSeries>>
        {
            [P] = new Dictionary<ResourceKind, QuantileSeries> { [ResourceKind.Requests] = new QuantileSeries(values.Length / quantiles.Length, quantiles.Length, values) },
        });

    [Test]
    public void ValueAt_InterpolatesBetweenQuantilesAndClampsAtEnds()
    {
        var forecast = Forecast([0.5, 0.9], [100, 200, 110, 300]);
        Assert.That(forecast.Horizon, Is.EqualTo(2));
        Assert.That(forecast.ValueAt(P, ResourceKind.Requests, 0, 0.7), Is.EqualTo(150).Within(1e-9));
        Assert.That(forecast.ValueAt(P, ResourceKind.Requests, 1, 0.1), Is.EqualTo(110));
        Assert.That(forecast.ValueAt(P, ResourceKind.Requests, 1, 0.99), Is.EqualTo(300));
        Assert.That(() => forecast.ValueAt(new PartitionId("x"), ResourceKind.Requests, 0, 0.5), Throws.InstanceOf<KeyNotFoundException>().With.Message.Contains("'x'"));
    }

    [Test]
    public void Constructor_CallerChangesItsCollectionsAfterwards_ForecastKeepsWhatWasChecked()
    {
        // The forecast kept the caller's list and dictionaries: changing them afterwards bypassed every check (a third
        // quantile level for two-level series, a partition with a series of another horizon, levels out of order).
        double[] quantiles = [0.5, 0.9];
        var resources = new Dictionary<ResourceKind, QuantileSeries> { [ResourceKind.Requests] = new QuantileSeries(2, 2, [100, 200, 110, 300]) };
        var partitions = new Dictionary<PartitionId, IReadOnlyDictionary<ResourceKind, QuantileSeries>> { [P] = resources };
        var forecast = new LoadForecast(DateTimeOffset.UnixEpoch, TimeSpan.FromHours(1), quantiles, partitions);

        quantiles[0] = 0.95;
        resources[ResourceKind.Requests] = new QuantileSeries(5, 1, [1, 2, 3, 4, 5]);
        partitions[new PartitionId("late")] = resources;

        Assert.That(forecast.Quantiles, Is.EqualTo(new[] { 0.5, 0.9 }));
        Assert.That(forecast.Partitions.Keys, Is.EqualTo(new[] { P }));
        Assert.That(forecast.Partitions[P][ResourceKind.Requests].Steps, Is.EqualTo(2));
        Assert.That(forecast.ValueAt(P, ResourceKind.Requests, 1, 0.99), Is.EqualTo(300));
        Assert.That(forecast.Quantiles, Is.Not.InstanceOf<double[]>(), "a cast back to the array must not reach the levels");
        Assert.That(forecast.Partitions, Is.Not.InstanceOf<Dictionary<PartitionId, IReadOnlyDictionary<ResourceKind, QuantileSeries>>>());
        Assert.That(forecast.Partitions[P], Is.Not.InstanceOf<Dictionary<ResourceKind, QuantileSeries>>());
    }

    [TestCase(0.05)]
    [TestCase(0.5)]
    [TestCase(0.7)]
    [TestCase(0.9)]
    [TestCase(0.97)]
    public void ValuesAt_GivesEveryStepsValueAt(double quantile)
    {
        var forecast = Forecast([0.1, 0.5, 0.9], [1, 2, 4, 10, 11, 30, 5, 5, 6]);
        var values = new double[4];
        values[3] = -1;

        forecast.ValuesAt(P, ResourceKind.Requests, quantile, values);

        Assert.That(values[..3], Is.EqualTo(Enumerable.Range(0, 3).Select(t => forecast.ValueAt(P, ResourceKind.Requests, t, quantile))));
        Assert.That(values[3], Is.EqualTo(-1), "only the horizon's places are written");
    }

    [Test]
    public void ValuesAt_BadArguments_ThrowNamingThem()
    {
        var forecast = Forecast([0.5, 0.9], [100, 200, 110, 300]);

        Assert.Multiple(() =>
        {
            Assert.That(() => forecast.ValuesAt(P, ResourceKind.Requests, 0.5, new double[1]), Throws.ArgumentException.With.Message.Contains("holds 1 values").And.Message.Contains("2 steps"));
            Assert.That(() => forecast.ValuesAt(P, ResourceKind.Requests, double.NaN, new double[2]), Throws.InstanceOf<ArgumentOutOfRangeException>().With.Message.Contains("NaN"));
            Assert.That(() => forecast.ValuesAt(new PartitionId("x"), ResourceKind.Requests, 0.5, new double[2]), Throws.InstanceOf<KeyNotFoundException>().With.Message.Contains("'x'"));
            Assert.That(() => forecast.ValuesAt(P, ResourceKind.Cpu, 0.5, new double[2]), Throws.InstanceOf<KeyNotFoundException>().With.Message.Contains("'cpu'"));
        });
    }

    [Test]
    public void ValueAt_NaNQuantile_ThrowsInsteadOfAnsweringWithTheHighestQuantile()
    {
        // NaN compares false with every level, so it fell through to the clamp at the top and read as q0.9.
        var forecast = Forecast([0.5, 0.9], [100, 200]);
        Assert.That(() => forecast.ValueAt(P, ResourceKind.Requests, 0, double.NaN), Throws.InstanceOf<ArgumentOutOfRangeException>().With.Message.Contains("NaN"));
    }

    [TestCase(new[] { 0.9, 0.5 }, "increasing")]
    [TestCase(new[] { 0.0, 0.5 }, "between 0 and 1")]
    [TestCase(new[] { 0.5, 1.0 }, "between 0 and 1")]
    public void Constructor_BadQuantiles_Throw(double[] quantiles, string message)
    {
        Assert.That(() => Forecast(quantiles, [1, 2]), Throws.ArgumentException.With.Message.Contains(message));
    }

    [Test]
    public void Constructor_WhenTheHorizonEndsAfterTheLastRepresentableTime_ThrowsNamingIt()
    {
        // Planners name the time of every step (start-by times, reasons); past DateTimeOffset.MaxValue that threw naming nothing.
        var partitions = new Dictionary<PartitionId, IReadOnlyDictionary<ResourceKind, QuantileSeries>>
        {
            [P] = new Dictionary<ResourceKind, QuantileSeries> { [ResourceKind.Requests] = new QuantileSeries(6, 1, [1, 2, 3, 4, 5, 6]) },
        };

        Assert.That(() => new LoadForecast(DateTimeOffset.UnixEpoch, TimeSpan.FromDays(1_000_000), [0.5], partitions), Throws.ArgumentException.With.Message.Contains("6 steps of 1000000.00:00:00"));
        Assert.That(new LoadForecast(DateTimeOffset.UnixEpoch, TimeSpan.FromDays(100_000), [0.5], partitions).Horizon, Is.EqualTo(6), "a horizon that ends in time is accepted");
    }

    [Test]
    public void Constructor_WhenTheHorizonEndsAfterTheLastRepresentableClockTime_ThrowsNamingIt()
    {
        // The check counted in UTC, but a DateTimeOffset adds on its clock time: with a positive offset a horizon ending
        // before DateTimeOffset.MaxValue in UTC could end after it on the clock, and the planners' stale-forecast check
        // (origin + steps) then threw a bare ArgumentOutOfRangeException.
        var origin = new DateTimeOffset(9999, 12, 31, 20, 0, 0, TimeSpan.FromHours(5));
        var partitions = new Dictionary<PartitionId, IReadOnlyDictionary<ResourceKind, QuantileSeries>>
        {
            [P] = new Dictionary<ResourceKind, QuantileSeries> { [ResourceKind.Requests] = new QuantileSeries(4, 1, [1, 2, 3, 4]) },
        };
        var inTime = new Dictionary<PartitionId, IReadOnlyDictionary<ResourceKind, QuantileSeries>>
        {
            [P] = new Dictionary<ResourceKind, QuantileSeries> { [ResourceKind.Requests] = new QuantileSeries(3, 1, [1, 2, 3]) },
        };

        Assert.That(() => new LoadForecast(origin, TimeSpan.FromHours(1), [0.5], partitions), Throws.ArgumentException.With.Message.Contains("4 steps of 01:00:00"));
        var accepted = new LoadForecast(origin, TimeSpan.FromHours(1), [0.5], inTime);
        Assert.That(accepted.Origin + (accepted.Step * accepted.Horizon), Is.EqualTo(origin.AddHours(3)), "a horizon that ends in time is accepted and its end is representable");
    }

    [Test]
    public void Constructor_WhenAPartitionOrResourceHasNoSeries_ThrowsNamingIt()
    {
        // A null entry threw a NullReferenceException that named neither the partition nor the resource.
        var noResources = new Dictionary<PartitionId, IReadOnlyDictionary<ResourceKind, QuantileSeries>> { [P] = null! };
        var noSeries = new Dictionary<PartitionId, IReadOnlyDictionary<ResourceKind, QuantileSeries>>
        {
            [P] = new Dictionary<ResourceKind, QuantileSeries> { [ResourceKind.Cpu] = null! },
        };

        Assert.That(() => new LoadForecast(DateTimeOffset.UnixEpoch, TimeSpan.FromHours(1), [0.5], noResources), Throws.InstanceOf<ArgumentException>().With.Message.Contains("'p1'"));
        Assert.That(() => new LoadForecast(DateTimeOffset.UnixEpoch, TimeSpan.FromHours(1), [0.5], noSeries), Throws.InstanceOf<ArgumentException>().With.Message.Contains("'p1'").And.Message.Contains("cpu"));
    }

    [Test]
    public void QuantileSeries_DecreasingAcrossQuantilesOrNaN_Throws()
    {
        Assert.That(() => new QuantileSeries(1, 2, [5, 4]), Throws.ArgumentException.With.Message.Contains("decrease"));
        Assert.That(() => new QuantileSeries(1, 2, [double.NaN, 4]), Throws.ArgumentException.With.Message.Contains("NaN"));
        Assert.That(() => new QuantileSeries(1, 2, [-1, 4]), Throws.ArgumentException.With.Message.Contains("-1"));
        Assert.That(() => new QuantileSeries(2, 2, [1, 2, 3]), Throws.ArgumentException.With.Message.Contains("need 4 values"));
    }

    [Test]
    public void QuantileSeries_IndexOutsideTheSeries_ThrowsNamingItInsteadOfReadingAnotherStep()
    {
        // Values are laid out step by step, so quantile index 2 of step 0 was step 1's first value, returned silently.
        var series = new QuantileSeries(2, 2, [1, 2, 3, 4]);
        Assert.That(() => series[0, 2], Throws.InstanceOf<ArgumentOutOfRangeException>().With.Message.Contains("quantile index 2").And.Message.Contains("2 quantiles"));
        Assert.That(() => series[0, -1], Throws.InstanceOf<ArgumentOutOfRangeException>().With.Message.Contains("-1"));
        Assert.That(() => series[2, 0], Throws.InstanceOf<ArgumentOutOfRangeException>().With.Message.Contains("step 2").And.Message.Contains("2 steps"));
        Assert.That(() => series.AtStep(2).ToArray(), Throws.InstanceOf<ArgumentOutOfRangeException>().With.Message.Contains("step 2"));
        Assert.That(series[1, 1], Is.EqualTo(4));
    }

    [Test]
    public void QuantileSeries_WhenStepsTimesQuantilesOverflowsAnInt_ThrowsNamingTheShape()
    {
        // 65,536 × 65,536 wrapped to 0, so an empty array passed the length check and the first read threw IndexOutOfRange.
        Assert.That(() => new QuantileSeries(65_536, 65_536, []), Throws.ArgumentException.With.Message.Contains("65536 steps"));
    }

    [Test]
    public void LoadHistory_DuplicateOrNullPartitionInfo_ThrowsNamingTheParameter()
    {
        // The metadata went through ToDictionary: a null entry threw a NullReferenceException, a duplicate an exception
        // naming no parameter.
        var series = new PartitionLoadSeries(P, TimeSpan.FromHours(1), [LoadBucket.OfRequests(DateTimeOffset.UnixEpoch, 1)]);
        var info = new PartitionInfo(P, PredictiveSharding.Keys.KeyRange.Full, new NodeId("n1"), 0, 0);
        Assert.That(() => new LoadHistory([series], [info, info]), Throws.ArgumentException.With.Property("ParamName").EqualTo("partitions").And.Message.Contains("'p1'"));
        Assert.That(() => new LoadHistory([series], [null!]), Throws.InstanceOf<ArgumentNullException>().With.Property("ParamName").EqualTo("partitions"));
        Assert.That(() => new LoadHistory([series], nodeSamples: [null!]), Throws.InstanceOf<ArgumentNullException>().With.Property("ParamName").EqualTo("nodeSamples"));
    }

    [Test]
    public void LoadHistory_MixedStepsOrDuplicates_Throw()
    {
        var hourly = new PartitionLoadSeries(P, TimeSpan.FromHours(1), [LoadBucket.OfRequests(DateTimeOffset.UnixEpoch, 1)]);
        var daily = new PartitionLoadSeries(new PartitionId("p2"), TimeSpan.FromDays(1), [LoadBucket.OfRequests(DateTimeOffset.UnixEpoch, 1)]);
        Assert.That(() => new LoadHistory([hourly, daily]), Throws.ArgumentException.With.Message.Contains("one step"));
        Assert.That(() => new LoadHistory([hourly, hourly]), Throws.ArgumentException.With.Message.Contains("'p1'"));
        Assert.That(() => new LoadHistory([]), Throws.ArgumentException);
        Assert.That(() => new ForecastRequest(new LoadHistory([hourly]), 0), Throws.InstanceOf<ArgumentOutOfRangeException>().With.Message.Contains("0"));
    }

    [Test]
    public void LoadHistory_CollectionsCastBack_CannotBeChangedBehindTheChecks()
    {
        // The history handed out its own List and Dictionary: a cast back let a series of another step (or a second
        // series of a partition) in behind the constructor's checks, and Get no longer agreed with Series.
        var series = new PartitionLoadSeries(P, TimeSpan.FromHours(1), [LoadBucket.OfRequests(DateTimeOffset.UnixEpoch, 1)]);
        var history = new LoadHistory([series], [new PartitionInfo(P, PredictiveSharding.Keys.KeyRange.Full, new NodeId("n1"), 0, 0)], [new NodeResourceSample(new NodeId("n1"), DateTimeOffset.UnixEpoch, 0.5, 0, 0, 0)]);

        Assert.That(history.Series, Is.Not.InstanceOf<List<PartitionLoadSeries>>());
        Assert.That(history.Partitions, Is.Not.InstanceOf<Dictionary<PartitionId, PartitionInfo>>());
        Assert.That(history.NodeSamples, Is.Not.InstanceOf<List<NodeResourceSample>>());
    }
}
