using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using PredictiveSharding.Executing;
using PredictiveSharding.Forecasting;
using PredictiveSharding.Hosting.ControlLoop;
using PredictiveSharding.Hosting.DependencyInjection;
using PredictiveSharding.Hosting.Inventory;
using PredictiveSharding.Hosting.Tests.Fakes;
using PredictiveSharding.Planning;
using PredictiveSharding.Routing;
using PredictiveSharding.Topology;

namespace PredictiveSharding.Hosting.Tests;

public sealed class AddPredictiveShardingTests
{
    private static IHostBuilder Host(Action<ControlLoopOptions> configure, FakeTimeProvider time) =>
        new HostBuilder().ConfigureServices(services =>
        {
            var routing = new RoutingTable(RoutingMap.WholeKeySpace(new PartitionId("all"), new NodeId("n1")));
            services.AddSingleton<TimeProvider>(time);
            services.AddSingleton<IRoutingTable>(routing);
            services.AddSingleton<IClusterInventory>(new FixedClusterInventory([new NodeInfo(new NodeId("n1"), new Dictionary<ResourceKind, double> { [ResourceKind.Requests] = 10 })], _ => (1, 1)));
            services.AddPredictiveSharding(configure)
                .UseForecaster<LastValueForecaster>()
                .UsePlanner<HotPartitionPlanner>()
                .UseExecutor(sp => new RoutingOnlyExecutor(sp.GetRequiredService<IRoutingTable>()));
        });

    [TestCase(10, 60, true)]
    [TestCase(300, 60, true)]
    [TestCase(60, 60, false)]
    public async Task Start_WhenTheIntervalIsNotTheRecordersBucketLength_WarnsNamingBoth(int bucketSeconds, int intervalSeconds, bool warns)
    {
        // Either can be meant (a loop faster than its buckets re-plans as moves end; a slower one plans on several buckets
        // at once), so the host starts; but by mistake a cycle faster than the buckets plans again on the same history,
        // and one slower reacts a whole interval late, with RetrainEveryCycles and the health check's window in cycles.
        var time = new FakeTimeProvider();
        using var host = new HostBuilder().ConfigureServices(services =>
        {
            var routing = new RoutingTable(RoutingMap.WholeKeySpace(new PartitionId("all"), new NodeId("n1")));
            services.AddFakeLogging();
            services.AddSingleton<TimeProvider>(time);
            services.AddSingleton<IRoutingTable>(routing);
            services.AddSingleton<IClusterInventory>(new FixedClusterInventory([new NodeInfo(new NodeId("n1"), new Dictionary<ResourceKind, double> { [ResourceKind.Requests] = 10 })], _ => (1, 1)));
            services.AddPredictiveSharding(o => o.Interval = TimeSpan.FromSeconds(intervalSeconds), r => r.BucketLength = TimeSpan.FromSeconds(bucketSeconds))
                .UseForecaster<LastValueForecaster>()
                .UsePlanner<HotPartitionPlanner>()
                .UseExecutor(sp => new RoutingOnlyExecutor(sp.GetRequiredService<IRoutingTable>()));
        }).Build();

        // Logged by the start, which the host awaits (the loop itself runs on the thread pool).
        await host.StartAsync();
        await host.StopAsync();
        var records = host.Services.GetFakeLogCollector().GetSnapshot().Where(r => r.Id.Id == 1011).ToList();

        if (!warns)
        {
            Assert.That(records, Is.Empty);
            return;
        }

        var warning = records.Single();
        Assert.That(warning.Level, Is.EqualTo(Microsoft.Extensions.Logging.LogLevel.Warning));
        Assert.That(warning.Message, Does.Contain($"ControlLoopOptions.Interval ({TimeSpan.FromSeconds(intervalSeconds)})").And.Contain($"LoadRecorderOptions.BucketLength ({TimeSpan.FromSeconds(bucketSeconds)})"));
    }

    [Test]
    public void Start_WithInvalidOptions_FailsNamingTheSetting()
    {
        using var host = Host(o => o.Horizon = -3, new FakeTimeProvider()).Build();
        Assert.That(async () => await host.StartAsync(), Throws.InstanceOf<OptionsValidationException>().With.Message.Contains("Horizon").And.Message.Contains("-3"));
    }

    [TestCase("Constraints")]
    [TestCase("ForecastGuard")]
    public void Start_WithANullSettingsObject_FailsNamingTheSetting(string setting)
    {
        // Bound from configuration a section can come out null; the message was "Value cannot be null. (Parameter
        // 'Constraints')", which named no class for a host reading its start-up error.
        using var host = Host(o => { if (setting == "Constraints") { o.Constraints = null!; } else { o.ForecastGuard = null!; } }, new FakeTimeProvider()).Build();
        Assert.That(async () => await host.StartAsync(), Throws.InstanceOf<OptionsValidationException>().With.Message.Contains("ControlLoopOptions." + setting));
    }

    [TestCase(0.5)]
    [TestCase(60 * 24 * 60 * 60 * 1000.0)]
    public void Start_WithAnIntervalTheTimerCannotRun_FailsNamingTheSetting(double milliseconds)
    {
        // Positive, but below a millisecond or beyond the ~49.7 days a timer can wait: the loop's timer would throw
        // after start (ending the loop, and by default the host) with a message that names no option.
        using var host = Host(o => o.Interval = TimeSpan.FromMilliseconds(milliseconds), new FakeTimeProvider()).Build();
        Assert.That(async () => await host.StartAsync(), Throws.InstanceOf<OptionsValidationException>().With.Message.Contains("Interval"));
    }

    [TestCase("recorder", "LoadRecorderOptions.BucketLength")]
    [TestCase("lstm", "LstmForecasterOptions.Epochs")]
    [TestCase("planner", "GeneticPlannerOptions.PopulationSize")]
    [TestCase("executor", "ExecutorOptions.ChunkBytes")]
    public void Start_WithAnInvalidComponentSetting_FailsAsOptionsValidationNamingIt(string component, string setting)
    {
        // Configuration bound from appsettings: a host catches OptionsValidationException at start (as the GenericHost
        // sample does) to report a bad setting; the components' settings used to surface as the constructors'
        // ArgumentOutOfRangeException instead (and the LSTM's without its class's name).
        var folder = Directory.CreateTempSubdirectory("psharding-validate-");
        try
        {
            using var host = new HostBuilder().ConfigureServices(services =>
            {
                AddOneNodeCluster(services);
                services.AddPredictiveSharding(configureRecorder: o => o.BucketLength = component == "recorder" ? TimeSpan.FromSeconds(-1) : o.BucketLength);
                services.Configure<PredictiveSharding.Forecasting.Lstm.LstmForecasterOptions>(o => o.Epochs = component == "lstm" ? -1 : o.Epochs);
                services.Configure<GeneticPlannerOptions>(o => o.PopulationSize = component == "planner" ? 0 : o.PopulationSize);
                services.Configure<PredictiveSharding.Execution.ExecutorOptions>(o =>
                {
                    o.JournalPath = Path.Combine(folder.FullName, "moves.journal");
                    o.ChunkBytes = component == "executor" ? 5 : o.ChunkBytes;
                });
            }).Build();
            Assert.That(async () => await host.StartAsync(), Throws.InstanceOf<OptionsValidationException>().With.Message.Contains(setting));
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Test]
    public void Start_WithTheDefaultForecasterAndAWarmupShorterThanItsTrainingHistory_FailsNamingBoth()
    {
        // The LSTM trains on context + horizon buckets per series: with a shorter warm-up every cycle from its end until
        // that much history had accumulated failed (the health check turning unhealthy), though the host had started.
        var folder = Directory.CreateTempSubdirectory("psharding-warmup-");
        try
        {
            using var host = new HostBuilder().ConfigureServices(services =>
            {
                AddOneNodeCluster(services);
                services.AddPredictiveSharding(o => { o.Horizon = 3; o.WarmupBuckets = 10; });
                services.Configure<PredictiveSharding.Forecasting.Lstm.LstmForecasterOptions>(o => o.ContextLength = 12);
                services.Configure<PredictiveSharding.Execution.ExecutorOptions>(o => o.JournalPath = Path.Combine(folder.FullName, "moves.journal"));
            }).Build();
            Assert.That(
                async () => await host.StartAsync(),
                Throws.InstanceOf<OptionsValidationException>().With.Message.Contains("WarmupBuckets").And.Message.Contains("ContextLength (12)").And.Message.Contains("got 10"));
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Test]
    public void Start_WithTheDefaultForecasterAndAHorizonBeyondTheLstms_FailsNamingTheSetting()
    {
        // The LSTM's horizon is the loop's: beyond its range start failed with the LSTM constructor's bare
        // ArgumentOutOfRangeException ("Horizon must be in 1..10000; got 20000"), naming neither setting nor class.
        var folder = Directory.CreateTempSubdirectory("psharding-horizon-");
        try
        {
            using var host = new HostBuilder().ConfigureServices(services =>
            {
                AddOneNodeCluster(services);
                services.AddPredictiveSharding(o => { o.Horizon = 20_000; o.WarmupBuckets = 30_000; o.MaxHistoryBuckets = 30_000; });
                services.Configure<PredictiveSharding.Execution.ExecutorOptions>(o => o.JournalPath = Path.Combine(folder.FullName, "moves.journal"));
            }).Build();
            Assert.That(
                async () => await host.StartAsync(),
                Throws.InstanceOf<OptionsValidationException>().With.Message.Contains("ControlLoopOptions.Horizon (20000)").And.Message.Contains("LSTM").And.Message.Contains("1..10000").And.Message.Not.Contains("Parameter"));
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    /// <summary>The host's side of a one-node cluster: its routing table, an in-memory store and a fixed inventory.</summary>
    [TestCase("IDataMover", "UseExecutor")]
    [TestCase("IClusterInventory", "UseInventory")]
    [TestCase("IRoutingTable", "IRoutingTable")]
    public void Start_WithoutAServiceTheHostMustRegister_FailsAtStartNamingItAndTheWayOut(string missing, string wayOut)
    {
        // The host registers its routing table, inventory and (for the default executor) data mover: one it forgot must
        // stop the start, naming it, not fail the first cycle or every one.
        var folder = Directory.CreateTempSubdirectory("psharding-missing-");
        try
        {
            using var host = new HostBuilder().ConfigureServices(services =>
            {
                var routing = new RoutingTable(RoutingMap.WholeKeySpace(new PartitionId("all"), new NodeId("n1")));
                if (missing != "IRoutingTable")
                {
                    services.AddSingleton<IRoutingTable>(routing);
                }

                if (missing != "IDataMover")
                {
                    services.AddSingleton<PredictiveSharding.Moving.IDataMover>(new PredictiveSharding.TestKit.Moving.InMemoryDataMover([new NodeId("n1")], routing));
                }

                if (missing != "IClusterInventory")
                {
                    services.AddSingleton<IClusterInventory>(new FixedClusterInventory([new NodeInfo(new NodeId("n1"), new Dictionary<ResourceKind, double> { [ResourceKind.Requests] = 10 })], _ => (1, 1)));
                }

                services.AddPredictiveSharding(o => o.WarmupBuckets = 1_000).UseForecaster<LastValueForecaster>();
                services.Configure<PredictiveSharding.Execution.ExecutorOptions>(o => o.JournalPath = Path.Combine(folder.FullName, "moves.journal"));
            }).Build();
            Assert.That(async () => await host.StartAsync(), Throws.InvalidOperationException.With.Message.Contains(missing).And.Message.Contains(wayOut));
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    private static void AddOneNodeCluster(IServiceCollection services)
    {
        var routing = new RoutingTable(RoutingMap.WholeKeySpace(new PartitionId("all"), new NodeId("n1")));
        services.AddSingleton<IRoutingTable>(routing);
        services.AddSingleton<PredictiveSharding.Moving.IDataMover>(new PredictiveSharding.TestKit.Moving.InMemoryDataMover([new NodeId("n1")], routing));
        services.AddSingleton<IClusterInventory>(new FixedClusterInventory([new NodeInfo(new NodeId("n1"), new Dictionary<ResourceKind, double> { [ResourceKind.Requests] = 10 })], _ => (1, 1)));
    }

    [Test]
    public void Start_WithAHostForecasterAShortWarmupAndAHorizonBeyondTheLstms_Starts()
    {
        // The checks are the LSTM's: a host's own forecaster needs whatever history, and takes whatever horizon, it does.
        using var host = Host(o => { o.Horizon = 20_000; o.WarmupBuckets = 1; }, new FakeTimeProvider()).Build();
        Assert.That(async () => { await host.StartAsync(); await host.StopAsync(); }, Throws.Nothing);
    }

    [Test]
    public async Task Host_RunsCyclesOnItsIntervalAndStopsCleanly()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        using var host = Host(o => { o.Interval = TimeSpan.FromMinutes(1); o.WarmupBuckets = 100; }, time).Build();
        await host.StartAsync();
        var loop = host.Services.GetRequiredService<ShardingControlLoop>();
        var cycles = new HashSet<DateTimeOffset>();
        for (var i = 0; i < 500 && cycles.Count < 3; i++)
        {
            // The hosted service starts its timer on the thread pool; keep the fake clock moving until it has ticked thrice.
            time.Advance(TimeSpan.FromMinutes(1));
            await Task.Delay(10);
            if (loop.Status.LastSuccess is { } at)
            {
                cycles.Add(at);
            }
        }

        await host.StopAsync();
        Assert.That(cycles, Has.Count.GreaterThanOrEqualTo(3));
        Assert.That(loop.Status.ConsecutiveFailures, Is.Zero);
        Assert.That(host.Services.GetRequiredService<ILoadForecaster>(), Is.InstanceOf<LastValueForecaster>());
        Assert.That(host.Services.GetRequiredService<IShardPlanner>(), Is.InstanceOf<HotPartitionPlanner>());
        Assert.That(host.Services.GetRequiredService<IPlanExecutor>(), Is.InstanceOf<RoutingOnlyExecutor>());
    }

    [Test]
    public async Task Host_WhenACycleThrowsOperationCanceledWithoutShutdown_KeepsRunningCycles()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        using var host = Host(o => { o.Interval = TimeSpan.FromMinutes(1); o.WarmupBuckets = 1; }, time).Build();
        await host.StartAsync();
        var loop = host.Services.GetRequiredService<ShardingControlLoop>();
        var planner = (HotPartitionPlanner)host.Services.GetRequiredService<IShardPlanner>();
        var lifetime = host.Services.GetRequiredService<IHostApplicationLifetime>();
        planner.FailOnceWith = new TaskCanceledException("a stage's own timeout (injected by the test)");
        for (var i = 0; i < 500 && planner.Calls < 3; i++)
        {
            time.Advance(TimeSpan.FromMinutes(1));
            await Task.Delay(10);
        }

        var stopping = lifetime.ApplicationStopping.IsCancellationRequested;
        await host.StopAsync();
        Assert.Multiple(() =>
        {
            Assert.That(stopping, Is.False, "one failed cycle must not stop the host");
            Assert.That(planner.Calls, Is.GreaterThanOrEqualTo(3), "cycles go on after the failed one");
            Assert.That(loop.Status.LastFailure, Is.Not.Null, "the failed cycle is recorded");
            Assert.That(loop.Status.ConsecutiveFailures, Is.Zero);
        });
    }

    [Test]
    public async Task Host_StoppedDuringACycle_CancelsItWithoutCountingAFailure()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        using var host = Host(o => { o.Interval = TimeSpan.FromMinutes(1); o.WarmupBuckets = 1; }, time).Build();
        await host.StartAsync();
        var loop = host.Services.GetRequiredService<ShardingControlLoop>();
        var planner = (HotPartitionPlanner)host.Services.GetRequiredService<IShardPlanner>();
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var cancelled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        planner.Gate = async ct =>
        {
            entered.TrySetResult();
            try
            {
                await Task.Delay(Timeout.Infinite, ct);
            }
            catch (OperationCanceledException)
            {
                cancelled.TrySetResult();
                throw;
            }
        };
        for (var i = 0; i < 500 && !entered.Task.IsCompleted; i++)
        {
            time.Advance(TimeSpan.FromMinutes(1));
            await Task.Delay(10);
        }

        Assert.That(entered.Task.IsCompleted, Is.True, "a cycle reached the planner");
        await host.StopAsync();
        Assert.Multiple(() =>
        {
            Assert.That(cancelled.Task.IsCompleted, Is.True, "the running cycle saw the host's stop");
            Assert.That(loop.Status.LastFailure, Is.Null, "a cycle cancelled by shutdown is not a failure");
            Assert.That(loop.Status.ConsecutiveFailures, Is.Zero);
        });
    }

    [Test]
    public void Provider_WithTheDefaultExecutor_DisposesSynchronously()
    {
        // A process without the generic host builds a provider, resolves the loop and drives it by hand; `using var
        // provider` disposes it synchronously, which throws for a resolved service that is only IAsyncDisposable.
        var folder = Directory.CreateTempSubdirectory("psharding-dispose-");
        try
        {
            var services = new ServiceCollection();
            var routing = new RoutingTable(RoutingMap.WholeKeySpace(new PartitionId("all"), new NodeId("n1")));
            services.AddSingleton<IRoutingTable>(routing);
            services.AddSingleton<PredictiveSharding.Moving.IDataMover>(new PredictiveSharding.TestKit.Moving.InMemoryDataMover([new NodeId("n1")], routing));
            services.AddSingleton<IClusterInventory>(new FixedClusterInventory([new NodeInfo(new NodeId("n1"), new Dictionary<ResourceKind, double> { [ResourceKind.Requests] = 10 })], _ => (1, 1)));
            services.Configure<PredictiveSharding.Execution.ExecutorOptions>(o => o.JournalPath = Path.Combine(folder.FullName, "moves.journal"));
            services.AddPredictiveSharding().UseForecaster<LastValueForecaster>().UsePlanner<HotPartitionPlanner>();
            var provider = services.BuildServiceProvider();
            Assert.That(provider.GetRequiredService<ShardingControlLoop>(), Is.Not.Null);
            Assert.That(provider.GetRequiredService<IPlanExecutor>(), Is.InstanceOf<PredictiveSharding.Hosting.Execution.JournalledPlanExecutor>());
            Assert.That(provider.Dispose, Throws.Nothing);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Test]
    public void Defaults_AreTheLstmForecasterAndGeneticPlanner_WithTheLoopsHorizon()
    {
        var services = new ServiceCollection();
        services.AddSingleton<IRoutingTable>(new RoutingTable(RoutingMap.WholeKeySpace(new PartitionId("all"), new NodeId("n1"))));
        services.AddPredictiveSharding(o => o.Horizon = 90);
        using var provider = services.BuildServiceProvider();
        Assert.That(provider.GetRequiredService<ILoadForecaster>(), Is.InstanceOf<PredictiveSharding.Forecasting.Lstm.LstmForecaster>());
        Assert.That(provider.GetRequiredService<IShardPlanner>(), Is.InstanceOf<GeneticShardPlanner>());
        Assert.That(provider.GetRequiredService<IOptions<PredictiveSharding.Forecasting.Lstm.LstmForecasterOptions>>().Value.Horizon, Is.EqualTo(90));
    }

    [Test]
    public void PlannerOptions_WithTheDefaultBurstGuard_StartFromTheBurstBoundPreset()
    {
        var planner = PlannerOptions(services => services.AddPredictiveSharding());

        var preset = GeneticPlannerOptions.ForBurstBoundForecasts();
        Assert.Multiple(() =>
        {
            Assert.That(planner.MoveCostWeight, Is.EqualTo(preset.MoveCostWeight).And.Not.EqualTo(new GeneticPlannerOptions().MoveCostWeight));
            Assert.That(planner.OverflowWeight, Is.EqualTo(preset.OverflowWeight).And.Not.EqualTo(new GeneticPlannerOptions().OverflowWeight));
            Assert.That(planner.SplitOnOverflowQuantile, Is.True);
        });
    }

    [Test]
    public void PlannerOptions_ConfiguredByTheHostBeforeOrAfterAddPredictiveSharding_KeepTheHostsValues()
    {
        var before = PlannerOptions(services =>
        {
            services.Configure<GeneticPlannerOptions>(o => { o.MoveCostWeight = 5; o.Seed = 11; });
            services.AddPredictiveSharding();
        });
        var after = PlannerOptions(services =>
        {
            services.AddPredictiveSharding();
            services.Configure<GeneticPlannerOptions>(o => o.OverflowWeight = 3);
        });

        Assert.Multiple(() =>
        {
            Assert.That(before.MoveCostWeight, Is.EqualTo(5), "a Configure made before the registration is not overwritten");
            Assert.That(before.Seed, Is.EqualTo(11));
            Assert.That(before.OverflowWeight, Is.EqualTo(GeneticPlannerOptions.ForBurstBoundForecasts().OverflowWeight), "what the host leaves alone comes from the preset");
            Assert.That(after.OverflowWeight, Is.EqualTo(3));
            Assert.That(after.MoveCostWeight, Is.EqualTo(GeneticPlannerOptions.ForBurstBoundForecasts().MoveCostWeight));
        });
    }

    [Test]
    public void PlannerOptions_WithTheBurstGuardOff_AreTheClassDefaults()
    {
        var planner = PlannerOptions(services => services.AddPredictiveSharding(o => o.ForecastGuard.BoundBursts = false));

        var defaults = new GeneticPlannerOptions();
        Assert.Multiple(() =>
        {
            Assert.That(planner.MoveCostWeight, Is.EqualTo(defaults.MoveCostWeight));
            Assert.That(planner.OverflowWeight, Is.EqualTo(defaults.OverflowWeight));
            Assert.That(planner.SplitOnOverflowQuantile, Is.False);
        });
    }

    private static GeneticPlannerOptions PlannerOptions(Action<IServiceCollection> register)
    {
        var services = new ServiceCollection();
        services.AddSingleton<IRoutingTable>(new RoutingTable(RoutingMap.WholeKeySpace(new PartitionId("all"), new NodeId("n1"))));
        register(services);
        using var provider = services.BuildServiceProvider();
        return provider.GetRequiredService<IOptions<GeneticPlannerOptions>>().Value;
    }
}
