using PredictiveSharding.Telemetry;
using PredictiveSharding.Topology;

namespace PredictiveSharding.Forecasting.Tests.Lstm;

/// <summary>Seeded hourly series with a daily cycle, a quieter weekend and noise: what the LSTM tests train on.</summary>
internal static class SyntheticLoad
{
    public static readonly DateTimeOffset Start = new(2026, 1, 5, 0, 0, 0, TimeSpan.Zero);
    public static readonly TimeSpan Hour = TimeSpan.FromHours(1);

    public static PartitionId Id(int i) => new("s" + i.ToString(System.Globalization.CultureInfo.InvariantCulture));

    public static double[] Values(int index, int length, double noise = 0.1)
    {
        var random = new Random(500 + index);
        var level = 20.0 * (index + 1);
        var phase = index * 0.4;
        var values = new double[length];
        for (var t = 0; t < length; t++)
        {
            var time = Start + (Hour * t);
            var daily = 1 + (0.6 * Math.Sin((2 * Math.PI * t / 24) + phase));
            var weekend = time.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday ? 0.5 : 1.0;
            values[t] = Math.Max(0, Math.Round(level * daily * weekend * (1 + (noise * ((random.NextDouble() * 2) - 1))), 2));
        }

        return values;
    }

    public static PartitionLoadSeries Series(int index, int length, double noise = 0.1) => FromValues(Id(index), Values(index, length, noise));

    public static PartitionLoadSeries FromValues(PartitionId id, IReadOnlyList<double> values, int offset = 0) =>
        new(id, Hour, values.Select((v, t) => LoadBucket.OfRequests(Start + (Hour * (t + offset)), v)).ToArray());

    public static LoadHistory History(int count, int length, double noise = 0.1) =>
        new(Enumerable.Range(0, count).Select(i => Series(i, length, noise)));
}
