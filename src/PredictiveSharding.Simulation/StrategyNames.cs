namespace PredictiveSharding.Simulation;

/// <summary>The names of the strategies the simulator compares, as they appear in reports and on the command line.</summary>
public static class StrategyNames
{
    /// <summary>No changes: the initial partitions stay where they are.</summary>
    public const string Static = "static";

    /// <summary>Reactive load-based splitting and rebalancing, the best setting of a small grid (chosen in hindsight).</summary>
    public const string Reactive = "reactive";

    /// <summary>Reactive load-based splitting and rebalancing with the published settings, mapped to the simulated node.</summary>
    public const string ReactiveDefault = "reactive-default";

    /// <summary>Forecast, then plan: the forecaster (default LSTM) feeds the planner (default genetic) every planning interval.</summary>
    public const string Predictive = "predictive";

    /// <summary>The same planner given the true future instead of a forecast: the bound.</summary>
    public const string Oracle = "oracle";

    /// <summary>Every strategy, in report order.</summary>
    public static IReadOnlyList<string> All { get; } = [Static, Reactive, ReactiveDefault, Predictive, Oracle];
}
