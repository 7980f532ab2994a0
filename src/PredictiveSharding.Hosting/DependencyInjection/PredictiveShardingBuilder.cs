using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using PredictiveSharding.Executing;
using PredictiveSharding.Forecasting;
using PredictiveSharding.Hosting.ControlLoop;
using PredictiveSharding.Hosting.Inventory;
using PredictiveSharding.Planning;
using PredictiveSharding.Topology;

namespace PredictiveSharding.Hosting.DependencyInjection;

/// <summary>
/// Chooses the forecaster, planner, executor and inventory behind the control loop (each Use call replaces what was
/// registered before), and binds the settings .NET's configuration binder cannot (<see cref="BindUtilizationThresholds"/>).
/// </summary>
public sealed class PredictiveShardingBuilder
{
    internal PredictiveShardingBuilder(IServiceCollection services) => Services = services;

    /// <summary>The service collection being configured.</summary>
    public IServiceCollection Services { get; }

    /// <summary>Uses <typeparamref name="T"/> as the forecaster.</summary>
    public PredictiveShardingBuilder UseForecaster<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] T>()
        where T : class, ILoadForecaster => Replace<ILoadForecaster, T>();

    /// <summary>Uses the forecaster the factory makes.</summary>
    public PredictiveShardingBuilder UseForecaster(Func<IServiceProvider, ILoadForecaster> factory) => Replace(factory);

    /// <summary>Uses <typeparamref name="T"/> as the planner.</summary>
    public PredictiveShardingBuilder UsePlanner<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] T>()
        where T : class, IShardPlanner => Replace<IShardPlanner, T>();

    /// <summary>Uses the planner the factory makes.</summary>
    public PredictiveShardingBuilder UsePlanner(Func<IServiceProvider, IShardPlanner> factory) => Replace(factory);

    /// <summary>Uses <typeparamref name="T"/> as the plan executor.</summary>
    public PredictiveShardingBuilder UseExecutor<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] T>()
        where T : class, IPlanExecutor => Replace<IPlanExecutor, T>();

    /// <summary>Uses the executor the factory makes.</summary>
    public PredictiveShardingBuilder UseExecutor(Func<IServiceProvider, IPlanExecutor> factory) => Replace(factory);

    /// <summary>Uses <typeparamref name="T"/> as the cluster inventory (nodes, capacities, partition sizes).</summary>
    public PredictiveShardingBuilder UseInventory<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] T>()
        where T : class, IClusterInventory => Replace<IClusterInventory, T>();

    /// <summary>Uses the inventory the factory makes.</summary>
    public PredictiveShardingBuilder UseInventory(Func<IServiceProvider, IClusterInventory> factory) => Replace(factory);

    /// <summary>
    /// Sets the loop's <see cref="PlanningConstraints.UtilizationThresholds"/> from a configuration section whose keys are
    /// resource names and whose values are shares of capacity, such as
    /// <c>configuration.GetSection("ControlLoop:Constraints:UtilizationThresholds")</c> for
    /// <c>"Constraints": { "UtilizationThresholds": { "Cpu": 0.7, "Requests": 0.75 } }</c>. .NET's configuration binder
    /// cannot bind that dictionary itself: its key, <see cref="ResourceKind"/>, is neither a string, an enum nor an integer,
    /// so <c>Bind</c> skips it without an error. Names match the built-in resources (<c>requests</c>, <c>cpu</c>,
    /// <c>memoryBytes</c>, <c>diskBytes</c>, <c>ioBytes</c>, <c>networkBytes</c>) in any case; a resource of the host's own is set
    /// in code. The thresholds are applied when the loop's options are made, after the configure action given to
    /// <c>AddPredictiveSharding</c>, and replace a threshold already set for the same resource. An unknown resource name or a
    /// value that is not a number stops the host at start with an <see cref="OptionsValidationException"/> naming its
    /// configuration path; a value out of range, as any bad constraint does.
    /// </summary>
    public PredictiveShardingBuilder BindUtilizationThresholds(IConfiguration thresholds)
    {
        ArgumentNullException.ThrowIfNull(thresholds);
        Services.AddOptions<ControlLoopOptions>().Configure(o => UtilizationThresholdSettings.Apply(o, thresholds));
        return this;
    }

    private PredictiveShardingBuilder Replace<TService, [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TImplementation>()
        where TService : class
        where TImplementation : class, TService
    {
        Services.Replace(ServiceDescriptor.Singleton<TService, TImplementation>());
        return this;
    }

    private PredictiveShardingBuilder Replace<TService>(Func<IServiceProvider, TService> factory)
        where TService : class
    {
        ArgumentNullException.ThrowIfNull(factory);
        Services.Replace(ServiceDescriptor.Singleton(factory));
        return this;
    }
}
