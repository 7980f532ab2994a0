using PredictiveSharding.Forecasting.Lstm;
using PredictiveSharding.Telemetry;
using PredictiveSharding.Topology;

namespace PredictiveSharding.Forecasting.Tests.Lstm;

/// <summary>
/// The LSTM's calendar inputs are taken in UTC: timestamps of the same instants written with another offset forecast
/// the same. Before, the hour of day was read in each timestamp's own offset (+05:00 forecast 17.7998 where UTC gave
/// 17.8120), and a calendar cache keyed on instants handed one series the calendar of another series with the same
/// start, so a partition's forecast depended on which other partitions were in the request.
/// </summary>
public sealed class LstmCalendarOffsetTests
{
    [Test]
    public async Task ForecastAsync_TheSameInstantsAtAnotherUtcOffset_ForecastsTheSame()
    {
        var sut = new LstmForecaster(TinyOptions.Create());
        var history = SyntheticLoad.History(2, 300);
        await sut.FitAsync(history, null, CancellationToken.None);

        var utc = await sut.ForecastAsync(new ForecastRequest(history, 12), CancellationToken.None);
        var local = new LoadHistory(history.Series.Select(s => AtOffset(s, TimeSpan.FromHours(5))));
        var shifted = await sut.ForecastAsync(new ForecastRequest(local, 12), CancellationToken.None);

        Assert.That(Values(shifted, SyntheticLoad.Id(0)), Is.EqualTo(Values(utc, SyntheticLoad.Id(0))));
        Assert.That(Values(shifted, SyntheticLoad.Id(1)), Is.EqualTo(Values(utc, SyntheticLoad.Id(1))));
    }

    [Test]
    public async Task ForecastAsync_APartitionsForecast_DoesNotDependOnTheOtherPartitionsOffsets()
    {
        var sut = new LstmForecaster(TinyOptions.Create());
        var train = SyntheticLoad.History(2, 300);
        await sut.FitAsync(train, null, CancellationToken.None);

        // s0 in UTC and s1 at +05:00 over the same instants.
        var history = new LoadHistory([train.Series[0], AtOffset(train.Series[1], TimeSpan.FromHours(5))]);
        var alone = await sut.ForecastAsync(new ForecastRequest(history, 12) { Partitions = [SyntheticLoad.Id(1)] }, CancellationToken.None);
        var together = await sut.ForecastAsync(new ForecastRequest(history, 12), CancellationToken.None);

        Assert.That(Values(together, SyntheticLoad.Id(1)), Is.EqualTo(Values(alone, SyntheticLoad.Id(1))));
    }

    [Test]
    public void WriteCalendar_TheSameInstantAtAnyOffset_WritesTheSameInputs()
    {
        var instant = new DateTimeOffset(2026, 3, 29, 0, 30, 0, TimeSpan.Zero);
        var utc = new float[LstmFeatureSpec.CalendarWidth];
        var local = new float[LstmFeatureSpec.CalendarWidth];

        LstmFeatureSpec.WriteCalendar(instant, utc);
        LstmFeatureSpec.WriteCalendar(instant.ToOffset(TimeSpan.FromHours(2)), local);

        Assert.That(local, Is.EqualTo(utc));
    }

    private static PartitionLoadSeries AtOffset(PartitionLoadSeries series, TimeSpan offset) =>
        new(series.Partition, series.Step, [.. series.Buckets.Select(b => LoadBucket.OfRequests(b.Start.ToOffset(offset), b.Requests))]);

    private static double[] Values(LoadForecast forecast, PartitionId id)
    {
        var series = forecast.Partitions[id][ResourceKind.Requests];
        return [.. Enumerable.Range(0, series.Steps).SelectMany(s => series.AtStep(s).ToArray())];
    }
}
