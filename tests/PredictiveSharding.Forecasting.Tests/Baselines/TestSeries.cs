using PredictiveSharding.Telemetry;
using PredictiveSharding.Topology;

namespace PredictiveSharding.Forecasting.Tests.Baselines;

/// <summary>Small synthetic series for the baseline and evaluation tests.</summary>
internal static class TestSeries
{
    public static readonly DateTimeOffset Start = new(2026, 1, 5, 0, 0, 0, TimeSpan.Zero);

    public static readonly TimeSpan Hour = TimeSpan.FromHours(1);

    public static PartitionLoadSeries From(string name, IReadOnlyList<double> values, TimeSpan? step = null, DateTimeOffset? start = null)
    {
        var s = step ?? Hour;
        var t0 = start ?? Start;
        return new PartitionLoadSeries(new PartitionId(name), s, values.Select((v, i) => LoadBucket.OfRequests(t0 + (s * i), v)).ToArray());
    }

    /// <summary>level · (1 + amplitude · sin(2πt/m)) + slope · t, plus seeded uniform noise of ± noise · level.</summary>
    public static double[] Seasonal(int length, int season, double level, double amplitude = 0.5, double slope = 0, double noise = 0, int seed = 1)
    {
        var random = new Random(seed);
        var values = new double[length];
        for (var t = 0; t < length; t++)
        {
            var v = (level * (1 + (amplitude * Math.Sin(2 * Math.PI * t / season)))) + (slope * t);
            v += noise * level * ((2 * random.NextDouble()) - 1);
            values[t] = Math.Max(v, 0);
        }

        return values;
    }

    public static LoadHistory History(params PartitionLoadSeries[] series) => new(series);
}
