using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using PredictiveSharding.Executing;
using PredictiveSharding.Forecasting;
using PredictiveSharding.Hosting.Inventory;
using PredictiveSharding.Planning;

namespace PredictiveSharding.Hosting.DependencyInjection;

/// <summary>Chooses the forecaster, planner, executor and inventory behind the control loop. Each call replaces what was registered before.</summary>
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
