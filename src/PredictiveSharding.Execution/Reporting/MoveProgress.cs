using PredictiveSharding.Topology;

namespace PredictiveSharding.Execution;

/// <summary>Where one action stands.</summary>
public sealed record MoveProgress
{
    /// <summary>The action's id in the journal.</summary>
    public required string ActionId { get; init; }

    /// <summary>What the action does.</summary>
    public required ActionKind Kind { get; init; }

    /// <summary>The moved, split or merged partition.</summary>
    public required PartitionId Partition { get; init; }

    /// <summary>A move's source.</summary>
    public NodeId? From { get; init; }

    /// <summary>A move's target.</summary>
    public NodeId? To { get; init; }

    /// <summary>The current state.</summary>
    public required MoveState State { get; init; }

    /// <summary>Bytes copied so far.</summary>
    public long BytesCopied { get; init; }

    /// <summary>Keys copied so far.</summary>
    public long KeysCopied { get; init; }

    /// <summary>Bytes the plan expects to copy (the plan's estimate); 0 when unknown.</summary>
    public long BytesExpected { get; init; }

    /// <summary>Copy rate so far, bytes per second.</summary>
    public double BytesPerSecond { get; init; }

    /// <summary>Changes applied in the last catch-up round: how far the target was behind.</summary>
    public long LagChanges { get; init; }

    /// <summary>Estimated time left to finish copying, from the rate and the expected bytes; null when unknown.</summary>
    public TimeSpan? EstimatedRemaining { get; init; }
}
