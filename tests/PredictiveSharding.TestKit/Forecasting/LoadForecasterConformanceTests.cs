using PredictiveSharding.Forecasting;
using PredictiveSharding.Telemetry;
using PredictiveSharding.Topology;

namespace PredictiveSharding.TestKit.Forecasting;

/// <summary>
/// The behaviour every <see cref="ILoadForecaster"/> must show: forecast shapes, valid quantiles, refusal of bad input
/// without a change of state, cancellation, and updates after a fit. Derive a fixture, override <see cref="CreateSut"/>
/// (small, fast settings), and, when the forecaster needs more context than two weeks of hourly data, the history shape.
/// </summary>
/// <remarks>
/// "Unknown partition" here means a partition the request names that has no series in the request's history: a global
/// model may forecast a partition it was not fitted on from its context, but not one it has no data for.
/// </remarks>
public abstract class LoadForecasterConformanceTests
{
    /// <summary>A fresh, unfitted forecaster.</summary>
    protected abstract ILoadForecaster CreateSut();

    /// <summary>The bucket length of the synthetic history. Default one hour.</summary>
    protected virtual TimeSpan BucketLength => TimeSpan.FromHours(1);

    /// <summary>The period of the synthetic daily cycle, in steps. Default 24.</summary>
    protected virtual int SeasonLength => 24;

    /// <summary>Steps per synthetic series. Default 14 seasons (two weeks of hours).</summary>
    protected virtual int HistoryLength => 14 * SeasonLength;

    /// <summary>Synthetic series. Default 4.</summary>
    protected virtual int SeriesCount => 4;

    /// <summary>Steps forecast by the tests. Default 12.</summary>
    protected virtual int Horizon => 12;

    /// <summary>The start of every synthetic series.</summary>
    protected static DateTimeOffset Start { get; } = new(2026, 1, 5, 0, 0, 0, TimeSpan.Zero);

    /// <summary>The partition id of synthetic series <paramref name="index"/>.</summary>
    protected static PartitionId Partition(int index) => new("p" + index.ToString(System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>
    /// A history of <see cref="SeriesCount"/> seasonal series of <paramref name="length"/> steps: series i has level
    /// 50·(i + 1), a daily swing of half the level and ±10% seeded noise.
    /// </summary>
    protected virtual LoadHistory CreateHistory(int length)
    {
        var series = new List<PartitionLoadSeries>(SeriesCount);
        for (var i = 0; i < SeriesCount; i++)
        {
            var random = new Random(1234 + i);
            var level = 50.0 * (i + 1);
            var buckets = new LoadBucket[length];
            for (var t = 0; t < length; t++)
            {
                var seasonal = 1 + (0.5 * Math.Sin(2 * Math.PI * t / SeasonLength));
                var noise = 1 + (0.2 * (random.NextDouble() - 0.5));
                buckets[t] = LoadBucket.OfRequests(Start + (BucketLength * t), Math.Round(level * seasonal * noise));
            }

            series.Add(new PartitionLoadSeries(Partition(i), BucketLength, buckets));
        }

        return new LoadHistory(series);
    }

    /// <summary>The history with its first series replaced by one whose last bucket's load overflows to +∞ (LoadBucket itself refuses NaN and negative counts, so this is how a non-finite load reaches a forecaster).</summary>
    protected LoadHistory CreateHistoryWithInfiniteLoad(int length)
    {
        var history = CreateHistory(length);
        var first = history.Series[0];
        var buckets = first.Buckets.ToArray();
        buckets[^1] = new LoadBucket(buckets[^1].Start, double.MaxValue, double.MaxValue);
        var series = history.Series.ToArray();
        series[0] = new PartitionLoadSeries(first.Partition, first.Step, buckets);
        return new LoadHistory(series);
    }

    /// <summary>Fits a fresh forecaster on the default history.</summary>
    protected async Task<ILoadForecaster> CreateFittedAsync()
    {
        var sut = CreateSut();
        await sut.FitAsync(CreateHistory(HistoryLength), null, CancellationToken.None);
        return sut;
    }

    /// <summary>A requested subset gets exactly horizon × quantiles values for each requested partition.</summary>
    [Test]
    public async Task ForecastAsync_WithPartitionsAndQuantiles_ReturnsHorizonByQuantilesForEachRequestedPartition()
    {
        var sut = await CreateFittedAsync();
        var levels = new[] { 0.1, 0.5, 0.9 };
        var request = new ForecastRequest(CreateHistory(HistoryLength), Horizon) { Partitions = [Partition(0), Partition(2)], Quantiles = levels };

        var forecast = await sut.ForecastAsync(request, CancellationToken.None);

        Assert.That(forecast.Partitions.Keys, Is.EquivalentTo(new[] { Partition(0), Partition(2) }));
        Assert.That(forecast.Horizon, Is.EqualTo(Horizon));
        Assert.That(forecast.Quantiles, Is.EqualTo(levels));
        foreach (var resources in forecast.Partitions.Values)
        {
            var series = resources[ResourceKind.Requests];
            Assert.That(series.Steps, Is.EqualTo(Horizon));
            Assert.That(series.QuantileCount, Is.EqualTo(levels.Length));
        }
    }

    /// <summary>Without a partition list every series of the history is forecast, starting where the history ends.</summary>
    [Test]
    public async Task ForecastAsync_WithoutPartitions_ForecastsEverySeriesFromTheHistoryEnd()
    {
        var sut = await CreateFittedAsync();
        var history = CreateHistory(HistoryLength);

        var forecast = await sut.ForecastAsync(new ForecastRequest(history, Horizon), CancellationToken.None);

        Assert.That(forecast.Partitions.Keys, Is.EquivalentTo(history.Series.Select(s => s.Partition)));
        Assert.That(forecast.Origin, Is.EqualTo(history.Series[0].End));
        Assert.That(forecast.Step, Is.EqualTo(BucketLength));
    }

    /// <summary>Every value is finite and non-negative, and values never decrease across quantiles.</summary>
    [Test]
    public async Task ForecastAsync_Always_ReturnsNonNegativeQuantilesThatNeverDecrease()
    {
        var sut = await CreateFittedAsync();
        var request = new ForecastRequest(CreateHistory(HistoryLength), Horizon) { Quantiles = [0.05, 0.1, 0.5, 0.9, 0.99] };

        var forecast = await sut.ForecastAsync(request, CancellationToken.None);

        foreach (var resources in forecast.Partitions.Values)
        {
            foreach (var series in resources.Values)
            {
                for (var step = 0; step < series.Steps; step++)
                {
                    var row = series.AtStep(step).ToArray();
                    Assert.That(row, Has.All.GreaterThanOrEqualTo(0.0).And.All.Matches<double>(double.IsFinite));
                    Assert.That(row, Is.Ordered.Ascending);
                }
            }
        }
    }

    /// <summary>The forecasts follow the data: a series with four times the load of another is forecast higher.</summary>
    [Test]
    public async Task ForecastAsync_SeriesWithHigherLoad_HasHigherMedianForecast()
    {
        var sut = await CreateFittedAsync();
        var request = new ForecastRequest(CreateHistory(HistoryLength), Horizon) { Quantiles = [0.5] };

        var forecast = await sut.ForecastAsync(request, CancellationToken.None);

        double MeanMedian(PartitionId p) => Enumerable.Range(0, Horizon).Average(h => forecast.Partitions[p][ResourceKind.Requests][h, 0]);
        Assert.That(MeanMedian(Partition(SeriesCount - 1)), Is.GreaterThan(2 * MeanMedian(Partition(0))));
    }

    /// <summary>A forecaster that was never fitted refuses to forecast or update.</summary>
    [Test]
    public void ForecastAndUpdate_BeforeFit_ThrowInvalidOperationException()
    {
        var sut = CreateSut();
        var history = CreateHistory(HistoryLength);

        Assert.That(sut.IsFitted, Is.False);
        Assert.ThrowsAsync<InvalidOperationException>(async () => await sut.ForecastAsync(new ForecastRequest(history, Horizon), CancellationToken.None));
        Assert.ThrowsAsync<InvalidOperationException>(async () => await sut.UpdateAsync(history, CancellationToken.None));
    }

    /// <summary>A request naming a partition with no series in its history is refused, naming the partition.</summary>
    [Test]
    public async Task ForecastAsync_UnknownPartition_ThrowsArgumentExceptionNamingIt()
    {
        var sut = await CreateFittedAsync();
        var request = new ForecastRequest(CreateHistory(HistoryLength), Horizon) { Partitions = [Partition(0), new PartitionId("no-such-partition")] };

        var e = Assert.CatchAsync<ArgumentException>(async () => await sut.ForecastAsync(request, CancellationToken.None));

        Assert.That(e!.Message, Does.Contain("no-such-partition"));
    }

    /// <summary>A non-finite load is refused at fit, and the forecaster stays unfitted.</summary>
    [Test]
    public void FitAsync_InfiniteLoad_ThrowsArgumentExceptionAndStaysUnfitted()
    {
        var sut = CreateSut();

        var e = Assert.CatchAsync<ArgumentException>(async () => await sut.FitAsync(CreateHistoryWithInfiniteLoad(HistoryLength), null, CancellationToken.None));

        Assert.That(e!.Message, Does.Contain(Partition(0).Value));
        Assert.That(sut.IsFitted, Is.False);
    }

    /// <summary>A failed refit leaves the previous model in place.</summary>
    [Test]
    public async Task FitAsync_WhenRefitFails_KeepsThePreviousModel()
    {
        var sut = await CreateFittedAsync();

        Assert.CatchAsync<ArgumentException>(async () => await sut.FitAsync(CreateHistoryWithInfiniteLoad(HistoryLength), null, CancellationToken.None));
        var forecast = await sut.ForecastAsync(new ForecastRequest(CreateHistory(HistoryLength), Horizon), CancellationToken.None);

        Assert.That(sut.IsFitted, Is.True);
        Assert.That(forecast.Partitions, Has.Count.EqualTo(SeriesCount));
    }

    /// <summary>A non-finite load in a request's context is refused.</summary>
    [Test]
    public async Task ForecastAsync_InfiniteLoadInContext_ThrowsArgumentException()
    {
        var sut = await CreateFittedAsync();
        var request = new ForecastRequest(CreateHistoryWithInfiniteLoad(HistoryLength), Horizon);

        Assert.CatchAsync<ArgumentException>(async () => await sut.ForecastAsync(request, CancellationToken.None));
    }

    /// <summary>A series of three steps is too short for any forecaster's context and is refused, naming it.</summary>
    [Test]
    public void FitAsync_SeriesTooShort_ThrowsArgumentExceptionNamingIt()
    {
        var sut = CreateSut();
        var buckets = Enumerable.Range(0, 3).Select(t => LoadBucket.OfRequests(Start + (BucketLength * t), 10)).ToArray();
        var history = new LoadHistory(CreateHistory(HistoryLength).Series.Append(new PartitionLoadSeries(new PartitionId("short-one"), BucketLength, buckets)));

        var e = Assert.CatchAsync<ArgumentException>(async () => await sut.FitAsync(history, null, CancellationToken.None));

        Assert.That(e!.Message, Does.Contain("short-one"));
        Assert.That(sut.IsFitted, Is.False);
    }

    /// <summary>A cancelled fit throws and leaves the forecaster unfitted.</summary>
    [Test]
    public void FitAsync_Cancelled_ThrowsOperationCanceledExceptionAndStaysUnfitted()
    {
        var sut = CreateSut();
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();

        Assert.CatchAsync<OperationCanceledException>(async () => await sut.FitAsync(CreateHistory(HistoryLength), null, cancelled.Token));
        Assert.That(sut.IsFitted, Is.False);
    }

    /// <summary>A cancelled forecast or update throws.</summary>
    [Test]
    public async Task ForecastAndUpdate_Cancelled_ThrowOperationCanceledException()
    {
        var sut = await CreateFittedAsync();
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        var history = CreateHistory(HistoryLength);

        Assert.CatchAsync<OperationCanceledException>(async () => await sut.ForecastAsync(new ForecastRequest(history, Horizon), cancelled.Token));
        Assert.CatchAsync<OperationCanceledException>(async () => await sut.UpdateAsync(history, cancelled.Token));
    }

    /// <summary>After a fit on the older part, an update with newer data works and forecasts continue from the newer end.</summary>
    [Test]
    public async Task UpdateAsync_AfterFit_AcceptsNewerDataAndForecastsFromIt()
    {
        var sut = CreateSut();
        await sut.FitAsync(CreateHistory(HistoryLength - SeasonLength), null, CancellationToken.None);
        var full = CreateHistory(HistoryLength);

        await sut.UpdateAsync(full, CancellationToken.None);
        var forecast = await sut.ForecastAsync(new ForecastRequest(full, Horizon), CancellationToken.None);

        Assert.That(sut.IsFitted, Is.True);
        Assert.That(forecast.Origin, Is.EqualTo(full.Series[0].End));
        Assert.That(forecast.Partitions, Has.Count.EqualTo(SeriesCount));
        Assert.That(forecast.Horizon, Is.EqualTo(Horizon));
    }

    /// <summary>
    /// An update whose history holds a partition with a single bucket (a split's child, a partition just created) is not
    /// refused for it: the other partitions are brought up to date and forecast from it. A host adds partitions all the
    /// time, and an update refused for one stopped every other partition's fine-tuning until it had grown long enough.
    /// </summary>
    [Test]
    public async Task UpdateAsync_WithANewPartitionOfOneBucket_UpdatesTheOthers()
    {
        var sut = CreateSut();
        await sut.FitAsync(CreateHistory(HistoryLength - SeasonLength), null, CancellationToken.None);
        var full = CreateHistory(HistoryLength);
        var newcomer = new PartitionLoadSeries(new PartitionId("new"), BucketLength, [LoadBucket.OfRequests(full.Series[0].End - BucketLength, 10)]);

        Assert.That(async () => await sut.UpdateAsync(new LoadHistory([.. full.Series, newcomer]), CancellationToken.None), Throws.Nothing);
        var forecast = await sut.ForecastAsync(new ForecastRequest(full, Horizon), CancellationToken.None);

        Assert.That(forecast.Partitions, Has.Count.EqualTo(SeriesCount));
        Assert.That(forecast.Origin, Is.EqualTo(full.Series[0].End));
    }

    /// <summary>Forecasting the same request twice gives the same values (forecasting does not change the model).</summary>
    [Test]
    public async Task ForecastAsync_CalledTwice_ReturnsTheSameValues()
    {
        var sut = await CreateFittedAsync();
        var request = new ForecastRequest(CreateHistory(HistoryLength), Horizon);

        var first = await sut.ForecastAsync(request, CancellationToken.None);
        var second = await sut.ForecastAsync(request, CancellationToken.None);

        foreach (var (partition, resources) in first.Partitions)
        {
            var a = resources[ResourceKind.Requests];
            var b = second.Partitions[partition][ResourceKind.Requests];
            for (var step = 0; step < a.Steps; step++)
            {
                Assert.That(b.AtStep(step).ToArray(), Is.EqualTo(a.AtStep(step).ToArray()));
            }
        }
    }
}
