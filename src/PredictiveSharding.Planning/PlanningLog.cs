using Microsoft.Extensions.Logging;

namespace PredictiveSharding.Planning;

/// <summary>Source-generated log messages of the planner.</summary>
internal static partial class PlanningLog
{
    [LoggerMessage(EventId = 4001, Level = LogLevel.Debug, Message = "Planning {Partitions} partitions on {Nodes} nodes over {Resources} resources × {Steps} steps at q{Quantile}")]
    public static partial void PlanStarted(ILogger logger, int partitions, int nodes, int resources, int steps, double quantile);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Information, Message = "Splitting partition {Partition} {Ways} ways: {Reason}")]
    public static partial void SplitChosen(ILogger logger, string partition, int ways, string reason);

    [LoggerMessage(EventId = 4003, Level = LogLevel.Debug, Message = "Genetic search over {Shards} shards stopped by {StoppedBy} after {Generations} generations and {RebuildRounds} rounds rebuilding its moved set; fitness {SeededFitness} after seeding ({SeedingMilliseconds} ms), {Fitness} at the end; lower bound {LowerBound}")]
    public static partial void SearchFinished(ILogger logger, int shards, string stoppedBy, int generations, int rebuildRounds, double seededFitness, double seedingMilliseconds, double fitness, double lowerBound);

    [LoggerMessage(EventId = 4004, Level = LogLevel.Information, Message = "Plan ready in {Milliseconds:0.0} ms: {Actions} actions, {MovedBytes} bytes moved, peak utilisation {Before:0.000} -> {After:0.000}, feasible {Feasible}")]
    public static partial void PlanFinished(ILogger logger, double milliseconds, int actions, long movedBytes, double before, double after, bool feasible);

    [LoggerMessage(EventId = 4005, Level = LogLevel.Warning, Message = "Predicted load exceeds what the thresholds allow by {Shortfall:P1}; the plan is the best placement found")]
    public static partial void Infeasible(ILogger logger, double shortfall);

    [LoggerMessage(EventId = 4007, Level = LogLevel.Warning, Message = "The seasonal floor is off: ForecastGuardOptions.SeasonalMinPeriod {MinPeriod} is above the longest period SeasonalWindow {Window} can show ({LongestPeriod}, a quarter of it); lower the period or widen the window")]
    public static partial void SeasonalFloorOff(ILogger logger, int minPeriod, int window, int longestPeriod);

    [LoggerMessage(EventId = 4006, Level = LogLevel.Debug, Message = "Placement left as it is: {Why}")]
    public static partial void NothingToDo(ILogger logger, string why);
}
