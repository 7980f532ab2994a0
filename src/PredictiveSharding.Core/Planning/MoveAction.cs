using PredictiveSharding.Topology;

namespace PredictiveSharding.Planning;

/// <summary>Move a partition (or a shard a split of this plan creates) to another node.</summary>
public sealed record MoveAction : ShardingAction
{
    /// <summary>Creates a move.</summary>
    /// <exception cref="ArgumentException"><paramref name="from"/> equals <paramref name="to"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="bytes"/> is negative or the duration is negative.</exception>
    public MoveAction(PartitionId shard, NodeId from, NodeId to, long bytes, DateTimeOffset startBy, TimeSpan estimatedDuration, string reason)
        : base(reason)
    {
        if (from == to)
        {
            throw new ArgumentException($"A move of '{shard}' must go to another node; it is already on '{to}'.", nameof(to));
        }

        Guard.NonNegative(bytes, nameof(bytes));
        if (estimatedDuration < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(estimatedDuration), estimatedDuration, "A move's estimated duration must not be negative.");
        }

        Shard = shard;
        From = from;
        To = to;
        Bytes = bytes;
        StartBy = startBy;
        EstimatedDuration = estimatedDuration;
    }

    /// <summary>The partition or shard to move.</summary>
    public PartitionId Shard { get; }

    /// <summary>Its current node.</summary>
    public NodeId From { get; }

    /// <summary>The node that receives it.</summary>
    public NodeId To { get; }

    /// <summary>Bytes to copy.</summary>
    public long Bytes { get; }

    /// <summary>The latest start that finishes before the predicted breach (the breach time minus the move's duration).</summary>
    public DateTimeOffset StartBy { get; }

    /// <summary>The move's estimated duration at the configured bandwidth.</summary>
    public TimeSpan EstimatedDuration { get; }
}
