using PredictiveSharding.Topology;

namespace PredictiveSharding.Execution;

/// <summary>What happened to one action of a plan, and what was verified.</summary>
public sealed record ActionReport
{
    /// <summary>The action's position in the plan (-1 for an action found in the journal on recovery).</summary>
    public required int Index { get; init; }

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

    /// <summary>How it ended.</summary>
    public required ActionOutcome Outcome { get; init; }

    /// <summary>The last state reached.</summary>
    public required MoveState FinalState { get; init; }

    /// <summary>True when the target's copy was checked equal to the source's (ordered checksums at one change-feed position).</summary>
    public bool Verified { get; init; }

    /// <summary>Keys covered by the verification.</summary>
    public long VerifiedKeys { get; init; }

    /// <summary>Key and value bytes covered by the verification.</summary>
    public long VerifiedBytes { get; init; }

    /// <summary>Bytes copied in chunks (excluding catch-up), each once: what a retried copy copies again is not counted (nor on <c>psharding.moves.bytes_copied</c>).</summary>
    public long BytesCopied { get; init; }

    /// <summary>Keys copied in chunks.</summary>
    public long KeysCopied { get; init; }

    /// <summary>Captured changes applied to the target (catch-up, verification and cut-over).</summary>
    public long ChangesApplied { get; init; }

    /// <summary>Catch-up rounds run.</summary>
    public int CatchUpRounds { get; init; }

    /// <summary>How long writes to the range were fenced at cut-over; null when no cut-over happened.</summary>
    public TimeSpan? FenceDuration { get; init; }

    /// <summary>The routing version the action published; null when it published none.</summary>
    public long? RoutingVersion { get; init; }

    /// <summary>True when recovery resumed this move from its journalled checkpoint after a crash instead of rolling it back.</summary>
    public bool ResumedFromCheckpoint { get; init; }

    /// <summary>Time from start to end of the action.</summary>
    public TimeSpan Duration { get; init; }

    /// <summary>Why the action was rolled back, skipped or left pending; null when it completed cleanly.</summary>
    public Exception? Error { get; init; }
}
