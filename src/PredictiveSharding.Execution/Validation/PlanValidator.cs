using System.Globalization;
using PredictiveSharding.Keys;
using PredictiveSharding.Planning;
using PredictiveSharding.Routing;
using PredictiveSharding.Topology;

namespace PredictiveSharding.Execution.Validation;

/// <summary>
/// Checks a whole plan against the current routing before anything changes, by applying its actions in order to a
/// scratch copy of the map (which is immutable, so nothing real changes), and orders them: an action waits for every
/// earlier action whose range overlaps its own.
/// </summary>
internal static class PlanValidator
{
    // The caller's parameter is the plan (ShardingExecutor.ExecuteAsync), not a parameter of these helpers.
    private static readonly string PlanParameter = "plan";

    /// <exception cref="ArgumentException">The plan names an unknown partition or node, splits outside a partition, moves a range twice, moves a partition to its owner or from a node that does not own it, or merges what cannot be merged.</exception>
    public static IReadOnlyList<ScheduledAction> Validate(ShardingPlan plan, RoutingMap current, IReadOnlyCollection<NodeId> nodes)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var known = new HashSet<NodeId>(nodes);
        var scratch = current;
        var scheduled = new List<ScheduledAction>(plan.Actions.Count);
        for (var index = 0; index < plan.Actions.Count; index++)
        {
            var action = plan.Actions[index];
            ScheduledAction item;
            (item, scratch) = action switch
            {
                SplitAction split => ValidateSplit(index, split, scratch),
                MergeAction merge => ValidateMerge(index, merge, scratch),
                MoveAction move => ValidateMove(index, move, scratch, known, scheduled),
                null => throw Bad(index, "is null"),
                _ => throw Bad(index, $"has unknown type '{action.GetType().Name}'"),
            };

            var dependsOn = scheduled.Where(s => s.Range.Overlaps(item.Range)).Select(s => s.Index).ToArray();
            scheduled.Add(item with { DependsOn = dependsOn });
        }

        return scheduled;
    }

    private static (ScheduledAction, RoutingMap) ValidateSplit(int index, SplitAction split, RoutingMap scratch)
    {
        var what = $"split of '{split.Partition}'";
        var parent = Route(index, what, scratch, split.Partition);
        foreach (var key in split.SplitKeys)
        {
            if (!parent.Range.CanSplitAt(key))
            {
                throw Bad(index, what, $"has split key '{key}', which is not strictly inside the partition's range {parent.Range}");
            }
        }

        var next = ApplyOrThrow(index, what, scratch, new SplitChange(split.Partition, split.SplitKeys, split.NewPartitions));
        return (new ScheduledAction(index, split, ActionKind.Split, split.Partition, parent.Range, null, null, []), next);
    }

    private static (ScheduledAction, RoutingMap) ValidateMerge(int index, MergeAction merge, RoutingMap scratch)
    {
        var what = $"merge of '{merge.Left}' and '{merge.Right}'";
        var left = Route(index, what, scratch, merge.Left);
        var right = Route(index, what, scratch, merge.Right);
        var next = ApplyOrThrow(index, what, scratch, new MergeChange(merge.Left, merge.Right, merge.Merged));
        var range = new KeyRange(left.Range.Start, right.Range.End);
        return (new ScheduledAction(index, merge, ActionKind.Merge, merge.Merged, range, null, null, []), next);
    }

    private static (ScheduledAction, RoutingMap) ValidateMove(int index, MoveAction move, RoutingMap scratch, HashSet<NodeId> known, List<ScheduledAction> earlier)
    {
        var what = $"move of '{move.Shard}' from '{move.From}' to '{move.To}'";
        foreach (var node in new[] { move.From, move.To })
        {
            if (!known.Contains(node))
            {
                throw Bad(index, what, $"names node '{node}', which the data mover does not know (known: {string.Join(", ", known.Select(n => "'" + n + "'"))})");
            }
        }

        var route = Route(index, what, scratch, move.Shard);
        if (route.Node == move.To)
        {
            throw Bad(index, what, $"moves the partition to '{move.To}', which already owns it");
        }

        if (route.Node != move.From)
        {
            throw Bad(index, what, $"expects the partition on '{move.From}', but it is on '{route.Node}'");
        }

        foreach (var other in earlier)
        {
            if (other.Kind == ActionKind.Move && other.Range.Overlaps(route.Range))
            {
                throw Bad(index, what, $"overlaps action #{other.Index.ToString(CultureInfo.InvariantCulture)} (move of '{other.Partition}', range {other.Range}): a range may be moved once per plan");
            }
        }

        var next = ApplyOrThrow(index, what, scratch, new MoveChange(move.Shard, move.To));
        return (new ScheduledAction(index, move, ActionKind.Move, move.Shard, route.Range, move.From, move.To, []), next);
    }

    private static PartitionRoute Route(int index, string what, RoutingMap scratch, PartitionId partition) =>
        scratch.Contains(partition)
            ? scratch.Get(partition)
            : throw Bad(index, what, $"names partition '{partition}', which is not in routing version {scratch.Version.ToString(CultureInfo.InvariantCulture)} (after the plan's earlier actions)");

    private static RoutingMap ApplyOrThrow(int index, string what, RoutingMap scratch, RoutingChange change)
    {
        try
        {
            return scratch.Apply(change);
        }
        catch (ArgumentException ex)
        {
            throw new ArgumentException(Message(index, what, ex.Message), PlanParameter, ex);
        }
    }

    private static ArgumentException Bad(int index, string problem) =>
        new(string.Create(CultureInfo.InvariantCulture, $"Plan action #{index} {problem}."), PlanParameter);

    private static ArgumentException Bad(int index, string what, string problem) => new(Message(index, what, problem), PlanParameter);

    private static string Message(int index, string what, string problem) =>
        string.Create(CultureInfo.InvariantCulture, $"Plan action #{index} ({what}) {problem.TrimEnd('.')}; nothing was changed.");
}
