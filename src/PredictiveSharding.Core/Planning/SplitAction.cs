using PredictiveSharding.Keys;
using PredictiveSharding.Topology;

namespace PredictiveSharding.Planning;

/// <summary>Split a partition at keys into new partitions (shards) that stay on its node until moved.</summary>
public sealed record SplitAction : ShardingAction
{
    /// <summary>Creates a split. The keys and shards are copied, so changing the caller's lists afterwards does not change it.</summary>
    /// <exception cref="ArgumentException">No split key, or the number of new partitions is not one more than the keys.</exception>
    public SplitAction(PartitionId partition, IReadOnlyList<ShardKey> splitKeys, IReadOnlyList<PartitionId> newPartitions, string reason)
        : base(reason)
    {
        ArgumentNullException.ThrowIfNull(splitKeys);
        ArgumentNullException.ThrowIfNull(newPartitions);
        if (splitKeys.Count == 0 || newPartitions.Count != splitKeys.Count + 1)
        {
            throw new ArgumentException($"A split of '{partition}' needs at least one key and one more new partition than keys; got {splitKeys.Count} keys and {newPartitions.Count} partitions.", nameof(newPartitions));
        }

        Partition = partition;

        // Read-only copies: the planner's lists (or a cast back to them) could change a split that the executor, the routing
        // change and the loop's cooldowns all read.
        SplitKeys = Array.AsReadOnly(splitKeys.ToArray());
        NewPartitions = Array.AsReadOnly(newPartitions.ToArray());
    }

    /// <summary>The partition to split.</summary>
    public PartitionId Partition { get; }

    /// <summary>Strictly ascending keys strictly inside the partition.</summary>
    public IReadOnlyList<ShardKey> SplitKeys { get; }

    /// <summary>The shards, left to right.</summary>
    public IReadOnlyList<PartitionId> NewPartitions { get; }

    /// <summary>True when <paramref name="other"/> splits the same partition at the same keys into the same shards, for the same reason.</summary>
    /// <remarks>
    /// The keys and shards compare element by element: a record compares its lists by reference, so two identical splits
    /// (two runs of a planner with the same seed, a plan read back from a file) were unequal, and so were their plans' actions.
    /// </remarks>
    public bool Equals(SplitAction? other) =>
        ReferenceEquals(this, other)
        || (other is not null
            && base.Equals(other)
            && Partition == other.Partition
            && SplitKeys.SequenceEqual(other.SplitKeys)
            && NewPartitions.SequenceEqual(other.NewPartitions));

    /// <inheritdoc />
    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.Add(base.GetHashCode());
        hash.Add(Partition);
        foreach (var key in SplitKeys)
        {
            hash.Add(key);
        }

        foreach (var shard in NewPartitions)
        {
            hash.Add(shard);
        }

        return hash.ToHashCode();
    }
}
