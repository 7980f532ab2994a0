using PredictiveSharding.Simulation.Cluster;

namespace PredictiveSharding.Simulation.Strategies;

/// <summary>Changes nothing: the initial partitions stay where they are.</summary>
internal sealed class StaticRebalancer : IRebalancer
{
    public string Name => StrategyNames.Static;

    public string Setting => "no changes";

    public TimeSpan ForecastTime => TimeSpan.Zero;

    public TimeSpan PlanTime => TimeSpan.Zero;

    public ValueTask BeforeStepAsync(ClusterModel cluster, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.CompletedTask;
    }
}
