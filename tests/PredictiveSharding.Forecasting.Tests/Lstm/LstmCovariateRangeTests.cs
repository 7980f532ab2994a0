using PredictiveSharding.Forecasting.Lstm;
using PredictiveSharding.Keys;
using PredictiveSharding.Topology;

namespace PredictiveSharding.Forecasting.Tests.Lstm;

/// <summary>
/// Partition metadata outside the range the model was trained on is clamped to that range. Regression: in the simulation,
/// partitions split down to one or two keys (training partitions had about 50 to 200) were forecast at a few percent of
/// their own steady load, so the planner saw no breach on nodes already far over capacity.
/// </summary>
public sealed class LstmCovariateRangeTests
{
    private static readonly int[] TrainedKeyCounts = [50, 100, 150, 200];

    [Test]
    public async Task Forecast_MetadataOutsideTheTrainingRange_EqualsTheForecastAtTheNearestEdge()
    {
        var sut = new LstmForecaster(TinyOptions.Create(epochs: 2).With(o => o.Seed = 3));
        await sut.FitAsync(TrainingHistory(), null, CancellationToken.None);

        // The same recent load, described as ever smaller and ever larger partitions.
        var tiny = await MedianPathAsync(sut, keyCount: 1);
        var smallest = await MedianPathAsync(sut, keyCount: TrainedKeyCounts[0]);
        var huge = await MedianPathAsync(sut, keyCount: 1_000_000);
        var largest = await MedianPathAsync(sut, keyCount: TrainedKeyCounts[^1]);

        Assert.That(tiny, Is.EqualTo(smallest), "a 1-key partition is forecast as the smallest partition trained on");
        Assert.That(huge, Is.EqualTo(largest), "a huge partition is forecast as the largest partition trained on");
        Assert.That(smallest, Is.Not.EqualTo(largest), "in range, the metadata still reaches the network (else the test shows nothing)");
    }

    [Test]
    public async Task SaveAndLoad_KeepTheTrainingRange()
    {
        var trained = new LstmForecaster(TinyOptions.Create(epochs: 1).With(o => o.Seed = 3));
        await trained.FitAsync(TrainingHistory(), null, CancellationToken.None);
        using var stream = new MemoryStream();
        trained.Save(stream);
        stream.Position = 0;
        var loaded = LstmForecaster.Load(stream);

        Assert.That(await MedianPathAsync(loaded, keyCount: 1), Is.EqualTo(await MedianPathAsync(loaded, keyCount: TrainedKeyCounts[0])));
        Assert.That(await MedianPathAsync(loaded, keyCount: 1), Is.EqualTo(await MedianPathAsync(trained, keyCount: 1)));
    }

    private static LoadHistory TrainingHistory()
    {
        var series = TrainedKeyCounts.Select((_, i) => SyntheticLoad.Series(i, 200)).ToList();
        var infos = TrainedKeyCounts.Select((keys, i) => Info(SyntheticLoad.Id(i), keys)).ToList();
        return new LoadHistory(series, infos);
    }

    private static PartitionInfo Info(PartitionId id, long keys) => new(id, new KeyRange(ShardKey.Empty, null), new NodeId("n0"), keys << 20, keys);

    private static async Task<double[]> MedianPathAsync(LstmForecaster forecaster, long keyCount)
    {
        var id = new PartitionId("probe");
        var history = new LoadHistory([SyntheticLoad.FromValues(id, SyntheticLoad.Values(1, 48))], [Info(id, keyCount)]);
        var forecast = await forecaster.ForecastAsync(new ForecastRequest(history, 12), CancellationToken.None);
        return Enumerable.Range(0, 12).Select(h => forecast.ValueAt(id, ResourceKind.Requests, h, 0.5)).ToArray();
    }
}
