using PredictiveSharding.Forecasting.Lstm;
using PredictiveSharding.Topology;

namespace PredictiveSharding.Forecasting.Tests.Lstm;

/// <summary>
/// A forecast request that is refused leaves the adaptive calibration as it was. Regression: the history's actuals were
/// scored (and the offsets moved) before the request was checked, so a request refused for naming an unknown partition,
/// for a series shorter than the context or for a load the network cannot take still moved the intervals of every later
/// forecast, and a refused load of 1e39 counted as an actual above every level.
/// </summary>
public sealed class LstmAdaptiveRefusalTests
{
    [TestCase("unknown partition")]
    [TestCase("partition listed twice")]
    [TestCase("series shorter than the context")]
    [TestCase("load beyond single precision")]
    public async Task ForecastAsync_RefusedRequest_DoesNotMoveTheAdaptiveOffsets(string problem)
    {
        // Two copies of one saved model (the adaptive offsets start at zero after Load) forecast at the same origin; one
        // is then sent a refused request whose history holds actuals three times the forecast. Both then forecast at the
        // first origin again, which holds no new actuals: the refused request must have changed nothing.
        var fitted = new LstmForecaster(TinyOptions.Create(epochs: 1).With(o => o.AdaptiveCalibrationRate = 0.2));
        var values = SyntheticLoad.Values(0, 200);
        var id = SyntheticLoad.Id(0);
        await fitted.FitAsync(new LoadHistory([SyntheticLoad.FromValues(id, values)]), null, CancellationToken.None);
        using var stream = new MemoryStream();
        fitted.Save(stream);
        var refused = LstmForecaster.Load(new MemoryStream(stream.ToArray()));
        var untouched = LstmForecaster.Load(new MemoryStream(stream.ToArray()));
        var first = new ForecastRequest(new LoadHistory([SyntheticLoad.FromValues(id, values)]), 12);
        await refused.ForecastAsync(first, CancellationToken.None);
        await untouched.ForecastAsync(first, CancellationToken.None);

        var later = values.Concat(values.Skip(176).Take(12).Select(v => 3 * v)).ToArray();
        var bad = BadRequest(problem, id, later);
        Assert.CatchAsync<ArgumentException>(async () => await refused.ForecastAsync(bad, CancellationToken.None));

        var a = await refused.ForecastAsync(first, CancellationToken.None);
        var b = await untouched.ForecastAsync(first, CancellationToken.None);
        for (var h = 0; h < 12; h++)
        {
            Assert.That(a.Partitions[id][ResourceKind.Requests].AtStep(h).ToArray(), Is.EqualTo(b.Partitions[id][ResourceKind.Requests].AtStep(h).ToArray()), $"step {h}");
        }
    }

    private static ForecastRequest BadRequest(string problem, PartitionId id, double[] later)
    {
        switch (problem)
        {
            case "unknown partition":
                return new ForecastRequest(new LoadHistory([SyntheticLoad.FromValues(id, later)]), 12) { Partitions = [id, new PartitionId("nowhere")] };
            case "partition listed twice":
                return new ForecastRequest(new LoadHistory([SyntheticLoad.FromValues(id, later)]), 12) { Partitions = [id, id] };
            case "series shorter than the context":
                return new ForecastRequest(new LoadHistory([SyntheticLoad.FromValues(id, later), SyntheticLoad.FromValues(new PartitionId("newly-split"), new double[5])]), 12);
            default:
                var huge = (double[])later.Clone();
                huge[^1] = 1e39;
                return new ForecastRequest(new LoadHistory([SyntheticLoad.FromValues(id, huge)]), 12);
        }
    }
}
