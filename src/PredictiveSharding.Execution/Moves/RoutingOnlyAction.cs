using PredictiveSharding.Execution.Diagnostics;
using PredictiveSharding.Execution.Journal;
using PredictiveSharding.Keys;
using PredictiveSharding.Routing;
using PredictiveSharding.Topology;

namespace PredictiveSharding.Execution.Moves;

/// <summary>
/// A split (whose shards stay on their node) or a merge: no data moves, only one new routing version is published.
/// Journalled as Publishing before the publish and Completed after; on recovery, the routing table says whether the
/// publish happened.
/// </summary>
internal sealed class RoutingOnlyAction
{
    private readonly MoveJournalRecord _publishing;
    private readonly ExecutorServices _services;

    private RoutingOnlyAction(MoveJournalRecord publishing, ExecutorServices services)
    {
        _publishing = publishing;
        _services = services;
    }

    public long? PublishedVersion { get; private set; }

    public static RoutingOnlyAction Split(string actionId, PartitionId partition, KeyRange range, IReadOnlyList<ShardKey> keys, IReadOnlyList<PartitionId> children, ExecutorServices services) =>
        new(Record(actionId, ActionKind.Split, partition, range, services) with
        {
            SplitKeys = [.. keys.Select(KeyText.ToHex)],
            NewPartitions = [.. children.Select(c => c.Value)],
        }, services);

    public static RoutingOnlyAction Merge(string actionId, PartitionId left, PartitionId right, PartitionId merged, KeyRange range, ExecutorServices services) =>
        new(Record(actionId, ActionKind.Merge, merged, range, services) with { Left = left.Value, Right = right.Value }, services);

    public static RoutingOnlyAction FromRecord(MoveJournalRecord record, ExecutorServices services) => new(record, services);

    /// <summary>Journals the action, publishes its routing change, journals the end.</summary>
    /// <exception cref="ArgumentException">The change no longer applies to the current routing (it changed since the plan was validated); nothing was published.</exception>
    public async Task<MoveState> RunAsync()
    {
        await _services.Journal.AppendAsync(_publishing with { Time = _services.Time.GetUtcNow() }, CancellationToken.None).ConfigureAwait(false);
        ExecutorLog.StateEntered(_services.Logger, _publishing.ActionId, _publishing.Kind, _publishing.Partition, MoveState.Publishing);
        var change = Change();
        while (true)
        {
            var current = _services.Routing.Current;
            RoutingMap next;
            try
            {
                next = current.Apply(change);
            }
            catch (ArgumentException)
            {
                await FinishAsync(MoveState.RolledBack).ConfigureAwait(false);
                throw;
            }

            if (RoutingPublisher.TryPublish(_services, _publishing.ActionId, current, next))
            {
                PublishedVersion = next.Version;
                break;
            }
        }

        return await FinishAsync(MoveState.Completed).ConfigureAwait(false);
    }

    /// <summary>Ends an action found unfinished in the journal: completed when routing shows it, otherwise there is nothing to undo.</summary>
    public async Task<MoveState> RecoverAsync()
    {
        var applied = IsApplied(_services.Routing.Current);
        ExecutorLog.Recovering(_services.Logger, _publishing.ActionId, _publishing.State, applied ? "it was published" : "it was not published");
        return await FinishAsync(applied ? MoveState.Completed : MoveState.RolledBack).ConfigureAwait(false);
    }

    private async Task<MoveState> FinishAsync(MoveState state)
    {
        await _services.Journal.AppendAsync(_publishing with { State = state, Time = _services.Time.GetUtcNow() }, CancellationToken.None).ConfigureAwait(false);
        return state;
    }

    private RoutingChange Change() => _publishing.Kind == ActionKind.Split
        ? new SplitChange(new PartitionId(_publishing.Partition), [.. _publishing.SplitKeys!.Select(KeyText.FromHex)], [.. _publishing.NewPartitions!.Select(p => new PartitionId(p))])
        : new MergeChange(new PartitionId(_publishing.Left!), new PartitionId(_publishing.Right!), new PartitionId(_publishing.Partition));

    private bool IsApplied(RoutingMap map)
    {
        var range = KeyText.Range(_publishing);
        if (_publishing.Kind == ActionKind.Merge)
        {
            var merged = new PartitionId(_publishing.Partition);
            return map.Contains(merged) && map.Get(merged).Range == range;
        }

        var ranges = range.SplitAt([.. _publishing.SplitKeys!.Select(KeyText.FromHex)]);
        for (var i = 0; i < ranges.Count; i++)
        {
            var child = new PartitionId(_publishing.NewPartitions![i]);
            if (!map.Contains(child) || map.Get(child).Range != ranges[i])
            {
                return false;
            }
        }

        return true;
    }

    private static MoveJournalRecord Record(string actionId, ActionKind kind, PartitionId partition, KeyRange range, ExecutorServices services) => new()
    {
        ActionId = actionId,
        Kind = kind,
        State = MoveState.Publishing,
        Time = services.Time.GetUtcNow(),
        Partition = partition.Value,
        RangeStart = KeyText.ToHex(range.Start),
        RangeEnd = range.End is { } end ? KeyText.ToHex(end) : null,
    };
}
