using PredictiveSharding.Keys;
using PredictiveSharding.Planning;
using PredictiveSharding.Topology;

namespace PredictiveSharding.Execution.Validation;

/// <summary>A validated plan action: what it changes, as of the routing it will run against, and which earlier actions it must wait for.</summary>
/// <param name="Index">Position in the plan.</param>
/// <param name="Action">The plan's action.</param>
/// <param name="Kind">Split, merge or move.</param>
/// <param name="Partition">The moved or split partition, or the merged partition's new id.</param>
/// <param name="Range">The keys the action changes.</param>
/// <param name="From">A move's source.</param>
/// <param name="To">A move's target.</param>
/// <param name="DependsOn">Earlier actions on overlapping ranges; this one starts only after they complete.</param>
internal sealed record ScheduledAction(int Index, ShardingAction Action, ActionKind Kind, PartitionId Partition, KeyRange Range, NodeId? From, NodeId? To, IReadOnlyList<int> DependsOn);
