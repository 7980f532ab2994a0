using BenchmarkDotNet.Attributes;
using PredictiveSharding.Forecasting;
using PredictiveSharding.Forecasting.Baselines;
using PredictiveSharding.Telemetry;
using PredictiveSharding.Topology;

namespace PredictiveSharding.Benchmarks.Forecasting;

/// <summary>
/// Forecasting 10,000 partitions × 24 steps with each baseline, fitted once on the same two weeks of hourly history: the
/// yardstick for the LSTM's forecast time (LstmForecastBenchmarks, same batch size and horizon).
/// </summary>
[SimpleJob(launchCount: 1, warmupCount: 1, iterationCount: 3)]
[MemoryDiagnoser]
public class BaselineForecastBenchmarks
{
    private const int Partitions = 10_000;
    private const int Length = 14 * 24;
    private const int Horizon = 24;
    private ForecastRequest _request = null!;
    private SeasonalNaiveForecaster _seasonalNaive = null!;
    private HoltWintersForecaster _holtWinters = null!;
    private FastTreeForecaster _fastTree = null!;

    // One setup per benchmark, so that each fits only its own model (fitting Holt-Winters and FastTree on 10,000
    // series takes a while on a shared machine).
    [GlobalSetup(Target = nameof(SeasonalNaive))]
    public void SetupSeasonalNaive() => _seasonalNaive = Fit(new SeasonalNaiveForecaster());

    [GlobalSetup(Target = nameof(HoltWinters))]
    public void SetupHoltWinters() => _holtWinters = Fit(new HoltWintersForecaster(new HoltWintersForecasterOptions { Seasonality = HoltWintersSeasonality.Additive }));

    [GlobalSetup(Target = nameof(FastTree))]
    public void SetupFastTree() => _fastTree = Fit(new FastTreeForecaster(new FastTreeForecasterOptions { MaxHorizon = Horizon }));

    [Benchmark]
    public Task<LoadForecast> SeasonalNaive() => _seasonalNaive.ForecastAsync(_request, CancellationToken.None);

    [Benchmark]
    public Task<LoadForecast> HoltWinters() => _holtWinters.ForecastAsync(_request, CancellationToken.None);

    [Benchmark]
    public Task<LoadForecast> FastTree() => _fastTree.ForecastAsync(_request, CancellationToken.None);

    private T Fit<T>(T forecaster)
        where T : ILoadForecaster
    {
        var history = BaselineHistory();
        _request = new ForecastRequest(history, Horizon);
        forecaster.FitAsync(history, null, CancellationToken.None).GetAwaiter().GetResult();
        return forecaster;
    }

    /// <summary>Daily cycles of seeded levels and phases with ±10 % noise.</summary>
    private static LoadHistory BaselineHistory()
    {
        var start = new DateTimeOffset(2026, 1, 5, 0, 0, 0, TimeSpan.Zero);
        var random = new Random(11);
        var series = new PartitionLoadSeries[Partitions];
        for (var p = 0; p < Partitions; p++)
        {
            var level = 10 + (990 * random.NextDouble());
            var phase = random.NextDouble() * 2 * Math.PI;
            var buckets = new LoadBucket[Length];
            for (var t = 0; t < Length; t++)
            {
                var value = level * (1 + (0.5 * Math.Sin(phase + (2 * Math.PI * t / 24)))) * (0.9 + (0.2 * random.NextDouble()));
                buckets[t] = LoadBucket.OfRequests(start + TimeSpan.FromHours(t), Math.Round(value));
            }

            series[p] = new PartitionLoadSeries(new PartitionId("p" + p.ToString(System.Globalization.CultureInfo.InvariantCulture)), TimeSpan.FromHours(1), buckets);
        }

        return new LoadHistory(series);
    }
}
