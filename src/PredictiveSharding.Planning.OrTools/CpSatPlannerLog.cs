using Microsoft.Extensions.Logging;

namespace PredictiveSharding.Planning.OrTools;

/// <summary>Source-generated log messages of <see cref="CpSatShardPlanner"/>.</summary>
internal static partial class CpSatPlannerLog
{
    [LoggerMessage(EventId = 4101, Level = LogLevel.Information, Message = "CP-SAT placed {Partitions} partitions on {Nodes} nodes in {Millis} ms: peak {Before:0.000} → {After:0.000}, {Moves} moves, {MovedBytes} bytes, optimal proven: {Proven}")]
    public static partial void Planned(ILogger logger, int partitions, int nodes, long millis, double before, double after, int moves, long movedBytes, bool proven);

    [LoggerMessage(EventId = 4103, Level = LogLevel.Debug, Message = "CP-SAT phase {Phase} ended {Status} after {Millis} ms ({DeterministicTime:0.###} deterministic s): objective {Objective}, bound {Bound}")]
    public static partial void PhaseEnded(ILogger logger, int phase, string status, long millis, double deterministicTime, double objective, double bound);

    [LoggerMessage(EventId = 4102, Level = LogLevel.Warning, Message = "CP-SAT found no placement within {LimitMillis} ms; the plan is its starting point")]
    public static partial void NoSolution(ILogger logger, long limitMillis);
}
