using PredictiveSharding.Forecasting;

namespace PredictiveSharding.Forecasting.Tests.Baselines;

/// <summary>
/// The probe the baselines' thread-safety tests share: many updates at once, each adding a partition, then a forecast
/// from one season of context for each, which only a partition the forecaster has kept can answer.
/// </summary>
internal static class ConcurrentUpdates
{
    /// <summary>The partitions lost over <paramref name="rounds"/> fresh forecasters, each given <paramref name="partitions"/> concurrent updates.</summary>
    public static async Task<List<string>> LostPartitionsAsync(Func<ILoadForecaster> create, int rounds, int partitions)
    {
        var lost = new List<string>();
        for (var round = 0; round < rounds; round++)
        {
            var sut = create();
            await sut.FitAsync(TestSeries.History(TestSeries.From("base", TestSeries.Seasonal(48, 24, 10))), null, CancellationToken.None);
            var names = Enumerable.Range(0, partitions).Select(i => "new" + i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();

            Parallel.ForEach(names, name => sut.UpdateAsync(TestSeries.History(TestSeries.From(name, TestSeries.Seasonal(48, 24, 10))), CancellationToken.None).GetAwaiter().GetResult());

            // One season of context is enough only for a partition the forecaster has fitted (a new one needs more).
            foreach (var name in names)
            {
                var context = TestSeries.History(TestSeries.From(name, TestSeries.Seasonal(24, 24, 10), start: TestSeries.Start + (TestSeries.Hour * 24)));
                try
                {
                    await sut.ForecastAsync(new ForecastRequest(context, 12), CancellationToken.None);
                }
                catch (ArgumentException)
                {
                    lost.Add(name);
                }
            }
        }

        return lost;
    }
}
