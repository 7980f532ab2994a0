using System.Diagnostics.CodeAnalysis;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PredictiveSharding.Executing;
using PredictiveSharding.Execution;
using PredictiveSharding.Hosting.Execution;
using PredictiveSharding.Moving;
using PredictiveSharding.Forecasting;
using PredictiveSharding.Forecasting.Lstm;
using PredictiveSharding.Hosting.ControlLoop;
using PredictiveSharding.Hosting.Diagnostics;
using PredictiveSharding.Hosting.Inventory;
using PredictiveSharding.Planning;
using PredictiveSharding.Routing;
using PredictiveSharding.Telemetry;

namespace PredictiveSharding.Hosting.DependencyInjection;

/// <summary>Registers PredictiveSharding in a <see cref="IServiceCollection"/>.</summary>
public static class PredictiveShardingServiceCollectionExtensions
{
    /// <summary>
    /// Registers the control loop as a hosted service, its options (validated at start), a <see cref="LoadRecorder"/> over
    /// the host's <see cref="IRoutingTable"/>, <see cref="ControlLoopHealthCheck"/>, and the default forecaster
    /// (<see cref="LstmForecaster"/>, options <see cref="LstmForecasterOptions"/>, its horizon set to the loop's) and planner
    /// (<see cref="GeneticShardPlanner"/>, options <see cref="GeneticPlannerOptions"/>, which start from
    /// <see cref="GeneticPlannerOptions.ForBurstBoundForecasts"/> while <see cref="ControlLoopOptions.ForecastGuard"/> bounds
    /// bursts, its default, before the host's configuration applies) and executor
    /// (<see cref="JournalledPlanExecutor"/> over the host's <see cref="IDataMover"/>, options <see cref="ExecutorOptions"/>; the journal
    /// defaults to <c>psharding-moves.journal</c> in the working directory). The host registers its <see cref="IRoutingTable"/>,
    /// <see cref="IClusterInventory"/> and <see cref="IDataMover"/> (one missing stops the start with an
    /// <see cref="InvalidOperationException"/> naming it and the builder method that replaces it); the returned builder replaces any default. Registrations use TryAdd, so anything
    /// the host registered first wins. The options of the loop, the recorder, the forecaster, the planner and the executor
    /// are all validated at start: a bad setting stops the host with an <see cref="OptionsValidationException"/> naming it,
    /// as does, with the default forecaster, a <see cref="ControlLoopOptions.Horizon"/> beyond the LSTM's range or a
    /// <see cref="ControlLoopOptions.WarmupBuckets"/> below the LSTM's context + horizon.
    /// </summary>
    public static PredictiveShardingBuilder AddPredictiveSharding(this IServiceCollection services, Action<ControlLoopOptions>? configure = null, Action<LoadRecorderOptions>? configureRecorder = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddOptions<ControlLoopOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        options.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ControlLoopOptions>, ControlLoopOptionsValidator>());
        var recorderOptions = services.AddOptions<LoadRecorderOptions>();
        if (configureRecorder is not null)
        {
            recorderOptions.Configure(configureRecorder);
        }

        // Every component's options are checked at start, like the loop's: otherwise a bad setting surfaced as whatever
        // the component's constructor threw when the hosted service was resolved (an ArgumentOutOfRangeException, not the
        // OptionsValidationException a host catches for its configuration, and for the LSTM without the class's name).
        ValidateOnStart<LoadRecorderOptions>(services, o => o.Validate());
        ValidateOnStart<LstmForecasterOptions>(services, o =>
        {
            // Its horizon is the loop's (post-configured below), which the LSTM's range need not bound when the host
            // brings a forecaster of its own: that one is the default forecaster's constructor's to refuse. Setting it aside
            // here is safe: the options factory validates a fresh instance before anything else can read it.
            var horizon = o.Horizon;
            o.Horizon = 1;
            try
            {
                o.Validate();
            }
            finally
            {
                o.Horizon = horizon;
            }
        });
        ValidateOnStart<GeneticPlannerOptions>(services, o => o.Validate());
        ValidateOnStart<ExecutorOptions>(services, o => o.Validate());

        services.AddOptions<LstmForecasterOptions>()
            .PostConfigure<IOptions<ControlLoopOptions>>((lstm, loop) => lstm.Horizon = loop.Value.Horizon);
        // The planner's options start from the preset for burst-bounded forecasts while the loop's guard makes them (its
        // default), so a host gets the settings the simulation measured; anything the host configures wins.
        services.TryAddTransient<IOptionsFactory<GeneticPlannerOptions>, LoopPlannerOptionsFactory>();
        services.AddOptions<GeneticPlannerOptions>();
        services.TryAddSingleton<ILoadForecaster>(sp => new LstmForecaster(
            LstmOptionsForTheLoop(sp),
            sp.GetService<ILogger<LstmForecaster>>(),
            sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton<IShardPlanner>(sp => new GeneticShardPlanner(
            sp.GetRequiredService<IOptions<GeneticPlannerOptions>>().Value,
            sp.GetRequiredService<TimeProvider>(),
            sp.GetService<ILogger<GeneticShardPlanner>>(),
            sp.GetService<IMeterFactory>()));
        services.AddOptions<ExecutorOptions>().PostConfigure(o =>
        {
            o.JournalPath ??= Path.Combine(Environment.CurrentDirectory, "psharding-moves.journal");
            o.ClusterId ??= "default";
        });
        services.TryAddSingleton<IPlanExecutor>(sp => new JournalledPlanExecutor(
            sp.GetRequiredService<IRoutingTable>(),
            HostService<IDataMover>(sp, "the host's data mover (its store's IDataMover implementation) for the default executor, or an executor of the host's own through PredictiveShardingBuilder.UseExecutor"),
            sp.GetRequiredService<IOptions<ExecutorOptions>>().Value,
            sp.GetRequiredService<TimeProvider>(),
            sp.GetService<ILogger<ShardingExecutor>>(),
            sp.GetService<IMeterFactory>()));
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp => new LoadRecorder(
            sp.GetRequiredService<IRoutingTable>(),
            sp.GetRequiredService<IOptions<LoadRecorderOptions>>().Value,
            sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton(sp => new ShardingControlLoop(
            sp.GetRequiredService<IRoutingTable>(),
            sp.GetRequiredService<LoadRecorder>(),
            sp.GetRequiredService<ILoadForecaster>(),
            sp.GetRequiredService<IShardPlanner>(),
            sp.GetRequiredService<IPlanExecutor>(),
            HostService<IClusterInventory>(sp, "the host's cluster inventory (nodes, capacities, partition sizes; FixedClusterInventory for a fixed cluster), or one through PredictiveShardingBuilder.UseInventory"),
            sp.GetRequiredService<IOptions<ControlLoopOptions>>().Value,
            sp.GetRequiredService<TimeProvider>(),
            sp.GetService<ILogger<ShardingControlLoop>>(),
            sp.GetService<IMeterFactory>()));
        // By a factory: the container would pick the longest constructor it can fill, the obsolete one whose clock is unused.
        services.TryAddSingleton(sp => new ControlLoopHealthCheck(sp.GetRequiredService<ShardingControlLoop>(), sp.GetRequiredService<IOptions<ControlLoopOptions>>()));
        services.AddHostedService<ControlLoopService>();
        return new PredictiveShardingBuilder(services);
    }

    /// <summary>
    /// The LSTM's options, refused when the loop's horizon is beyond the LSTM's range, or when the loop's warm-up is shorter
    /// than the history the LSTM trains on (context + horizon): every cycle from the end of the warm-up until that much
    /// history had accumulated would fail.
    /// </summary>
    private static LstmForecasterOptions LstmOptionsForTheLoop(IServiceProvider services)
    {
        var lstm = services.GetRequiredService<IOptions<LstmForecasterOptions>>().Value;
        var loop = services.GetRequiredService<IOptions<ControlLoopOptions>>().Value;
        try
        {
            // The start-up validation set the horizon aside (a host's own forecaster takes any), so the loop's horizon is
            // checked against the LSTM's range here: its constructor's bare ArgumentOutOfRangeException named no setting.
            lstm.Validate();
        }
        catch (ArgumentException e)
        {
            var message = string.Create(
                System.Globalization.CultureInfo.InvariantCulture,
                $"ControlLoopOptions.Horizon ({loop.Horizon}) is the default forecaster's (the LSTM's) horizon, which refuses it: LstmForecasterOptions.{ReasonOf(e)}");
            throw new OptionsValidationException(Options.DefaultName, typeof(ControlLoopOptions), [message]);
        }

        var needed = (long)lstm.ContextLength + lstm.Horizon;
        if (loop.WarmupBuckets < needed)
        {
            var message = string.Create(
                System.Globalization.CultureInfo.InvariantCulture,
                $"ControlLoopOptions.WarmupBuckets must be at least the LSTM's LstmForecasterOptions.ContextLength ({lstm.ContextLength}) + ControlLoopOptions.Horizon ({lstm.Horizon}) = {needed}, the history it trains on; got {loop.WarmupBuckets}.");
            throw new OptionsValidationException(Options.DefaultName, typeof(ControlLoopOptions), [message]);
        }

        return lstm;
    }

    /// <summary>
    /// A service the host must register: one it forgot stops the start (the hosted service resolves the loop) with what to
    /// register or which builder method replaces it; the container's own message named only the type.
    /// </summary>
    private static T HostService<T>(IServiceProvider services, string what)
        where T : notnull =>
        services.GetService<T>() ?? throw new InvalidOperationException($"AddPredictiveSharding needs an {typeof(T).Name} registered: {what}. None is registered.");

    /// <summary>The message's first line without the "(Parameter 'x')" suffix: the message already names the setting and value.</summary>
    private static string ReasonOf(ArgumentException e) =>
        e.Message.Split('\n')[0].TrimEnd().Replace($" (Parameter '{e.ParamName}')", string.Empty, StringComparison.Ordinal);

    private static void ValidateOnStart<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicParameterlessConstructor)] TOptions>(IServiceCollection services, Action<TOptions> validate)
        where TOptions : class
    {
        services.AddOptions<TOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TOptions>, SettingsValidator<TOptions>>(_ => new SettingsValidator<TOptions>(validate)));
    }
}
