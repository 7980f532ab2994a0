using PredictiveSharding.Forecasting;
using PredictiveSharding.Forecasting.Lstm;
using PredictiveSharding.Telemetry;
using PredictiveSharding.Topology;

namespace PredictiveSharding.Benchmarks.Forecasting;

/// <summary>Seeded inputs for the LSTM benchmarks: a default-sized model and synthetic hourly series.</summary>
internal static class LstmBenchmarkData
{
    public static readonly DateTimeOffset Start = new(2026, 1, 5, 0, 0, 0, TimeSpan.Zero);

    /// <summary>A model with the default options (2 × 40 cells, context 24, horizon 24, lags 24 and 168) and random weights.</summary>
    public static LstmModel DefaultModel(int seed = 1)
    {
        var options = new LstmForecasterOptions { MaxRegions = 0 };
        var stats = new float[LstmFeatureSpec.StatisticsLength];
        // Means 0, deviations 1, clamp ranges [0, 0]: what a fit writes for covariates it never saw. (Filling the second half
        // instead set the deviations to 0, so every static covariate reached the network as +∞; loading refuses that now.)
        Array.Fill(stats, 1f, LstmFeatureSpec.StandardisedCount, LstmFeatureSpec.StandardisedCount);
        var spec = new LstmFeatureSpec(TimeSpan.FromHours(1), options.ContextLength, options.Horizon, LstmFeatureSpec.ResolveLags(null, TimeSpan.FromHours(1)), [], stats);
        var network = LstmModel.CreateNetwork(options, spec);
        network.Initialize(new Random(seed));

        // Offsets of the size split-conformal calibration produces (per step and level, relative to the step's spread), so
        // that both the managed pass and the exported graph include the calibration step a calibrated model carries.
        float[] perLevel = [-0.06f, 0.01f, 0.05f, 0.2f];
        var offsets = new float[options.Horizon * perLevel.Length];
        for (var i = 0; i < offsets.Length; i++)
        {
            offsets[i] = perLevel[i % perLevel.Length] * (1 + (0.02f * (i / perLevel.Length)));
        }

        return new LstmModel(options, spec, network, offsets);
    }

    public static float[] RandomArray(Random random, int count, double low, double high)
    {
        var values = new float[count];
        for (var i = 0; i < count; i++)
        {
            values[i] = (float)(low + (random.NextDouble() * (high - low)));
        }

        return values;
    }

    /// <summary>Hourly series with a daily cycle, a weekend dip, a per-series level and noise.</summary>
    public static LoadHistory History(int seriesCount, int length, int seed = 7)
    {
        var random = new Random(seed);
        var series = new List<PartitionLoadSeries>(seriesCount);
        for (var i = 0; i < seriesCount; i++)
        {
            var level = 10 + (random.NextDouble() * 1000);
            var phase = random.NextDouble() * 2 * Math.PI;
            var buckets = new LoadBucket[length];
            for (var t = 0; t < length; t++)
            {
                var time = Start + TimeSpan.FromHours(t);
                var weekend = time.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday ? 0.6 : 1.0;
                var value = level * (1 + (0.5 * Math.Sin((2 * Math.PI * t / 24) + phase))) * weekend * (0.85 + (0.3 * random.NextDouble()));
                buckets[t] = LoadBucket.OfRequests(time, Math.Round(value));
            }

            series.Add(new PartitionLoadSeries(new PartitionId("p" + i.ToString(System.Globalization.CultureInfo.InvariantCulture)), TimeSpan.FromHours(1), buckets));
        }

        return new LoadHistory(series);
    }
}
