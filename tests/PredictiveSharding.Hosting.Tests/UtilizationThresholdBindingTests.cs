using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using PredictiveSharding.Hosting.ControlLoop;
using PredictiveSharding.Hosting.DependencyInjection;
using PredictiveSharding.Hosting.Inventory;
using PredictiveSharding.Hosting.Tests.Fakes;
using PredictiveSharding.Routing;
using PredictiveSharding.Topology;

namespace PredictiveSharding.Hosting.Tests;

/// <summary>
/// <c>PlanningConstraints.UtilizationThresholds</c> from appsettings, laid out as the GenericHost sample's
/// (<c>PredictiveSharding:ControlLoop:Constraints:UtilizationThresholds</c>) and bound as it binds the loop's options.
/// </summary>
public sealed class UtilizationThresholdBindingTests
{
    private const string Thresholds = "PredictiveSharding:ControlLoop:Constraints:UtilizationThresholds";

    private static IHost Host(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var section = configuration.GetSection("PredictiveSharding");
        return new HostBuilder().ConfigureServices(services =>
        {
            services.AddSingleton<TimeProvider>(new FakeTimeProvider());
            services.AddSingleton<IRoutingTable>(new RoutingTable(RoutingMap.WholeKeySpace(new PartitionId("all"), new NodeId("n1"))));
            services.AddSingleton<IClusterInventory>(new FixedClusterInventory([new NodeInfo(new NodeId("n1"), new Dictionary<ResourceKind, double> { [ResourceKind.Requests] = 10 })], _ => (1, 1)));
            services.AddPredictiveSharding(o => section.GetSection("ControlLoop").Bind(o))
                .BindUtilizationThresholds(section.GetSection("ControlLoop:Constraints:UtilizationThresholds"))
                .UseForecaster<LastValueForecaster>()
                .UsePlanner<HotPartitionPlanner>()
                .UseExecutor(sp => new RoutingOnlyExecutor(sp.GetRequiredService<IRoutingTable>()));
        }).Build();
    }

    [Test]
    public void Options_WithThresholdsInConfiguration_BindThemByResourceNameInAnyCase()
    {
        using var host = Host(new()
        {
            ["PredictiveSharding:ControlLoop:Constraints:PlanningQuantile"] = "0.95",
            [Thresholds + ":Cpu"] = "0.7",
            [Thresholds + ":REQUESTS"] = "0.75",
            [Thresholds + ":memoryBytes"] = "0.9",
        });

        var constraints = host.Services.GetRequiredService<IOptions<ControlLoopOptions>>().Value.Constraints;

        Assert.That(constraints.ThresholdFor(ResourceKind.Cpu), Is.EqualTo(0.7));
        Assert.That(constraints.ThresholdFor(ResourceKind.Requests), Is.EqualTo(0.75));
        Assert.That(constraints.ThresholdFor(ResourceKind.MemoryBytes), Is.EqualTo(0.9));
        Assert.That(constraints.ThresholdFor(ResourceKind.DiskBytes), Is.EqualTo(constraints.DefaultUtilizationThreshold));
        Assert.That(constraints.PlanningQuantile, Is.EqualTo(0.95), "the binder's own settings stay");
    }

    [Test]
    public void Start_WithAnUnknownResourceName_FailsNamingIt()
    {
        using var host = Host(new() { [Thresholds + ":Cpus"] = "0.7" });

        Assert.That(async () => await host.StartAsync(), Throws.InstanceOf<OptionsValidationException>().With.Message.Contains("'Cpus'").And.Message.Contains(Thresholds + ":Cpus"));
    }

    [Test]
    public void Start_WithAThresholdThatIsNotANumber_FailsNamingIt()
    {
        using var host = Host(new() { [Thresholds + ":cpu"] = "seventy" });

        Assert.That(async () => await host.StartAsync(), Throws.InstanceOf<OptionsValidationException>().With.Message.Contains("seventy").And.Message.Contains(Thresholds + ":cpu"));
    }

    [Test]
    public void Start_WithOneNumberForTheWholeSection_FailsNamingIt()
    {
        // As an environment variable PredictiveSharding__ControlLoop__Constraints__UtilizationThresholds=0.7 sets it: the
        // section has a value and no resources, and it was skipped without an error (every threshold stayed the default).
        using var host = Host(new() { [Thresholds] = "0.7" });

        Assert.That(async () => await host.StartAsync(), Throws.InstanceOf<OptionsValidationException>().With.Message.Contains("'0.7'").And.Message.Contains(Thresholds));
    }

    [Test]
    public void Start_WithAThresholdOutOfRange_FailsNamingIt()
    {
        using var host = Host(new() { [Thresholds + ":cpu"] = "-0.5" });

        Assert.That(async () => await host.StartAsync(), Throws.InstanceOf<OptionsValidationException>().With.Message.Contains("UtilizationThresholds[cpu]").And.Message.Contains("-0.5"));
    }
}
