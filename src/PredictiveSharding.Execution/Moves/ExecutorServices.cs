using Microsoft.Extensions.Logging;
using PredictiveSharding.Execution.Diagnostics;
using PredictiveSharding.Execution.Journal;
using PredictiveSharding.Execution.Resilience;
using PredictiveSharding.Execution.Throttling;
using PredictiveSharding.Keys;
using PredictiveSharding.Moving;
using PredictiveSharding.Routing;
using PredictiveSharding.Topology;

namespace PredictiveSharding.Execution.Moves;

/// <summary>What every action of an executor shares: the store, the journal, routing, limits, clock and diagnostics.</summary>
internal sealed class ExecutorServices
{
    private long _copyCheckpointCostTicks;

    public required IDataMover Mover { get; init; }

    public required IMoveJournal Journal { get; init; }

    public required IRoutingTable Routing { get; init; }

    public required ExecutorOptions Options { get; init; }

    public required TimeProvider Time { get; init; }

    public required ILogger Logger { get; init; }

    public required ExecutionMetrics Metrics { get; init; }

    public required ByteThrottle Throttle { get; init; }

    /// <summary>Retries of operations that span several mover calls (a copy), with the same policy as single calls.</summary>
    public required MoverRetry Retry { get; init; }

    /// <summary>What the last copy checkpoint (commit on the target and journal record) took, on any move; zero before the first.</summary>
    public TimeSpan CopyCheckpointCost
    {
        get => TimeSpan.FromTicks(Interlocked.Read(ref _copyCheckpointCostTicks));
        set => Interlocked.Exchange(ref _copyCheckpointCostTicks, value.Ticks);
    }

    /// <summary>The hold times of every fence this executor has taken, in bounded memory.</summary>
    public FenceHoldTimes FenceHoldTimes { get; } = new();

    public FenceStatistics FenceStatistics => FenceHoldTimes.Snapshot();

    public void RecordFence(TimeSpan duration)
    {
        FenceHoldTimes.Record(duration);
        Metrics.FenceDuration.Record(duration.TotalMilliseconds);
    }

    /// <summary>True when the current routing names <paramref name="node"/> as the owner of <paramref name="partition"/> with exactly <paramref name="range"/>.</summary>
    public bool RoutingNames(PartitionId partition, KeyRange range, NodeId node)
    {
        var map = Routing.Current;
        return map.Contains(partition) && map.Get(partition) is var route && route.Node == node && route.Range == range;
    }

    /// <summary>True when the current routing gives <paramref name="node"/> any key of <paramref name="range"/>.</summary>
    public bool OwnsAnyOf(NodeId node, KeyRange range) =>
        Routing.Current.Routes.Any(r => r.Node == node && r.Range.Overlaps(range));
}
