using PredictiveSharding.Execution.Journal;
using static PredictiveSharding.Execution.Tests.TestCluster;

namespace PredictiveSharding.Execution.Tests.Measurements;

/// <summary>
/// Measures how long cut-overs hold writes (in-memory store, file journal with fsync, two writer threads, system clock).
/// Explicit: a measurement, not a check; run it with
/// <c>dotnet test tests/PredictiveSharding.Execution.Tests -c Release --filter Name=FenceDuration_InMemoryStore_Measured --logger "console;verbosity=detailed"</c>.
/// </summary>
[Explicit("Measurement on the real clock; prints figures.")]
public sealed class FenceDurationMeasurement
{
    [Test]
    public async Task FenceDuration_InMemoryStore_Measured()
    {
        var all = new List<TimeSpan>();
        for (var round = 0; round < 10; round++)
        {
            var cluster = Create();
            cluster.Reseed(0, 300, i => "seed-" + i + new string('.', 1000));
            var options = FastOptions();
            options.ChunkBytes = 64 * 1024;
            options.ChangeBatchSize = 1024;
            options.CatchUpLagThreshold = 256;
            var directory = Directory.CreateTempSubdirectory("psharding-fence-");
            try
            {
                await using var journal = await FileMoveJournal.OpenAsync(Path.Combine(directory.FullName, "moves.journal"), "c");
                await using var executor = new ShardingExecutor(cluster.Routing, cluster.Store, journal, options, TimeProvider.System);
                using var stop = new CancellationTokenSource();
                var writers = Enumerable.Range(0, 2).Select(w => Task.Run(async () =>
                {
                    var random = new Random(w);
                    var i = 0;
                    while (!stop.IsCancellationRequested)
                    {
                        await cluster.WriteAsync(Key((random.Next(150) * 2) + w), $"x{i++}");
                        await Task.Yield();
                    }
                })).ToArray();

                var report = await executor.ExecuteAsync(Plan(Move("p2", N1, N3), Move("p3", N2, N1), Move("p1", N1, N2)));
                await stop.CancelAsync();
                await Task.WhenAll(writers);
                all.AddRange(report.Actions.Select(a => a.FenceDuration!.Value));
                cluster.AssertConsistent();
            }
            finally
            {
                directory.Delete(recursive: true);
            }
        }

        var statistics = FenceStatistics.From(all);
        await TestContext.Out.WriteLineAsync($"cut-overs {statistics.Count}: fence p50 {statistics.P50.TotalMilliseconds:F3} ms, max {statistics.Max.TotalMilliseconds:F3} ms");
        Assert.That(statistics.Count, Is.EqualTo(30));
    }
}
