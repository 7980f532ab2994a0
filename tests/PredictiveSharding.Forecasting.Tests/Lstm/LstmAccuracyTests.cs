using PredictiveSharding.Forecasting.Lstm;
using PredictiveSharding.Topology;

namespace PredictiveSharding.Forecasting.Tests.Lstm;

/// <summary>
/// On seasonal data with a weekly effect (quieter weekends) the LSTM must do clearly better than seasonal naive with a
/// daily period, which cannot see the weekend coming. MASE as GluonTS/M4 define it (scale: in-sample seasonal-naive error).
/// </summary>
public sealed class LstmAccuracyTests
{
    private const int Season = 24;
    private const int Horizon = 24;

    [Test]
    public async Task ForecastAsync_SeasonalSeriesWithWeeklyEffect_BeatsSeasonalNaiveOnMase()
    {
        const int seriesCount = 6;
        const int length = 24 * 7 * 6;
        const int firstOrigin = length - (24 * 7);
        var values = Enumerable.Range(0, seriesCount).Select(i => SyntheticLoad.Values(i, length)).ToArray();
        var training = new LoadHistory(values.Select((v, i) => SyntheticLoad.FromValues(SyntheticLoad.Id(i), v[..firstOrigin])));
        var options = new LstmForecasterOptions
        {
            HiddenSize = 16,
            Horizon = Horizon,
            ContextLength = 24,
            Epochs = 12,
            WindowsPerEpoch = 1024,
            BatchSize = 64,
            DegreeOfParallelism = 2,
        };
        var sut = new LstmForecaster(options);
        await sut.FitAsync(training, null, CancellationToken.None);

        var lstmMase = new double[seriesCount];
        var naiveMase = new double[seriesCount];
        for (var i = 0; i < seriesCount; i++)
        {
            var v = values[i];
            var scale = Enumerable.Range(Season, firstOrigin - Season).Average(t => Math.Abs(v[t] - v[t - Season]));
            double lstmError = 0, naiveError = 0;
            var points = 0;
            for (var origin = firstOrigin; origin + Horizon <= length; origin += Horizon)
            {
                var context = new LoadHistory([SyntheticLoad.FromValues(SyntheticLoad.Id(i), v[..origin])]);
                var forecast = await sut.ForecastAsync(new ForecastRequest(context, Horizon) { Quantiles = [0.5] }, CancellationToken.None);
                var median = forecast.Partitions[SyntheticLoad.Id(i)][ResourceKind.Requests];
                for (var h = 0; h < Horizon; h++)
                {
                    lstmError += Math.Abs(v[origin + h] - median[h, 0]);
                    naiveError += Math.Abs(v[origin + h] - v[origin + h - Season]);
                    points++;
                }
            }

            lstmMase[i] = lstmError / points / scale;
            naiveMase[i] = naiveError / points / scale;
        }

        TestContext.Out.WriteLine($"MASE lstm {lstmMase.Average():F3}, seasonal naive {naiveMase.Average():F3}");
        Assert.That(lstmMase.Average(), Is.LessThan(0.85 * naiveMase.Average()));
    }

    [Test]
    public async Task ForecastAsync_NoisySeasonalSeries_CalibratedIntervalCoversAboutEightyPercent()
    {
        // Multiplicative uniform noise of ±40%: the 80% interval is wide and known; calibration on the held-out tail
        // must bring the share of later actuals inside [q0.1, q0.9] near 0.8 (a loose band: one small network, 6 series).
        const int seriesCount = 6;
        const int length = 24 * 7 * 6;
        const int firstOrigin = length - (24 * 7);
        var values = Enumerable.Range(0, seriesCount).Select(i => SyntheticLoad.Values(i, length, noise: 0.4)).ToArray();
        var training = new LoadHistory(values.Select((v, i) => SyntheticLoad.FromValues(SyntheticLoad.Id(i), v[..firstOrigin])));
        var sut = new LstmForecaster(new LstmForecasterOptions { HiddenSize = 16, Horizon = Horizon, Epochs = 12, WindowsPerEpoch = 1024, BatchSize = 64, DegreeOfParallelism = 2, ValidationFraction = 0.2, CalibrateQuantiles = true });
        await sut.FitAsync(training, null, CancellationToken.None);

        int inside = 0, points = 0;
        for (var i = 0; i < seriesCount; i++)
        {
            var v = values[i];
            for (var origin = firstOrigin; origin + Horizon <= length; origin += Horizon)
            {
                var context = new LoadHistory([SyntheticLoad.FromValues(SyntheticLoad.Id(i), v[..origin])]);
                var forecast = await sut.ForecastAsync(new ForecastRequest(context, Horizon) { Quantiles = [0.1, 0.9] }, CancellationToken.None);
                var q = forecast.Partitions[SyntheticLoad.Id(i)][ResourceKind.Requests];
                for (var h = 0; h < Horizon; h++)
                {
                    inside += v[origin + h] >= q[h, 0] && v[origin + h] <= q[h, 1] ? 1 : 0;
                    points++;
                }
            }
        }

        var coverage = inside / (double)points;
        TestContext.Out.WriteLine($"coverage80 {coverage:F3} over {points} points; offsets {string.Join(", ", sut.Model!.Calibration)}");
        Assert.That(sut.Model.IsCalibrated, Is.True);
        Assert.That(coverage, Is.InRange(0.7, 0.9));
    }
}
