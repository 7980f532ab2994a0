namespace PredictiveSharding.Execution.Journal;

/// <summary>
/// One journalled transition of a plan action: the state entered and everything needed to resume or undo the action
/// after a crash. Keys are upper-case hex of their bytes, so any key round-trips.
/// </summary>
public sealed record MoveJournalRecord
{
    /// <summary>The action's id, unique in the journal (plan id and action index), also used as the change-capture id.</summary>
    public required string ActionId { get; init; }

    /// <summary>What the action does.</summary>
    public required ActionKind Kind { get; init; }

    /// <summary>The state entered; its effects start only after this record is durable.</summary>
    public required MoveState State { get; init; }

    /// <summary>When the record was written (the executor's TimeProvider).</summary>
    public required DateTimeOffset Time { get; init; }

    /// <summary>The moved partition, the split partition, or the merged partition's id.</summary>
    public required string Partition { get; init; }

    /// <summary>A move's source node.</summary>
    public string? From { get; init; }

    /// <summary>A move's target node.</summary>
    public string? To { get; init; }

    /// <summary>Start of the range the action changes (hex).</summary>
    public required string RangeStart { get; init; }

    /// <summary>End of the range (hex, exclusive); null for the end of the key space.</summary>
    public string? RangeEnd { get; init; }

    /// <summary>A split's keys (hex), left to right.</summary>
    public IReadOnlyList<string>? SplitKeys { get; init; }

    /// <summary>A split's new partitions, left to right.</summary>
    public IReadOnlyList<string>? NewPartitions { get; init; }

    /// <summary>A merge's left partition.</summary>
    public string? Left { get; init; }

    /// <summary>A merge's right partition.</summary>
    public string? Right { get; init; }

    /// <summary>For <see cref="MoveState.CleaningUp"/>: not before this time is the old owner's copy deleted.</summary>
    public DateTimeOffset? CleanupAfter { get; init; }

    /// <summary>The error that sent the action to <see cref="MoveState.RollingBack"/>, if any.</summary>
    public string? Error { get; init; }

    /// <summary>
    /// A move's copy checkpoint (hex): every key of the range below it has been written to the target, so a resumed copy
    /// continues from here. Null when no chunk boundary was journalled yet (the copy starts at the range start).
    /// </summary>
    public string? CopyResumeFrom { get; init; }

    /// <summary>A move's catch-up checkpoint: every captured change with a lower sequence has been applied to the target. Null when none was journalled.</summary>
    public long? NextSequence { get; init; }

    /// <summary>Key and value bytes a move had copied when the record was written (progress carried over by a resumed move).</summary>
    public long? BytesCopied { get; init; }

    /// <summary>Keys a move had copied when the record was written.</summary>
    public long? KeysCopied { get; init; }
}
