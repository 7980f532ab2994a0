using PredictiveSharding.Simulation.Cluster;

namespace PredictiveSharding.Simulation.Strategies;

/// <summary>A strategy: before each step after the warm-up it may split and move partitions, knowing only the steps replayed so far.</summary>
internal interface IRebalancer
{
    /// <summary>The strategy's name (<see cref="StrategyNames"/>).</summary>
    string Name { get; }

    /// <summary>Its settings, for the report.</summary>
    string Setting { get; }

    /// <summary>Time spent forecasting (training, fine-tuning and forecasting).</summary>
    TimeSpan ForecastTime { get; }

    /// <summary>Time spent deciding what to split and move.</summary>
    TimeSpan PlanTime { get; }

    /// <summary>Acts before the cluster replays step <see cref="ClusterModel.Step"/>.</summary>
    ValueTask BeforeStepAsync(ClusterModel cluster, CancellationToken cancellationToken);
}
