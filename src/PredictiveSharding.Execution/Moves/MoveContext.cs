using PredictiveSharding.Execution.Journal;
using PredictiveSharding.Keys;
using PredictiveSharding.Moving;
using PredictiveSharding.Topology;

namespace PredictiveSharding.Execution.Moves;

/// <summary>Everything one move knows: what it moves, how far it got, and what its journal records carry.</summary>
internal sealed class MoveContext
{
    public required string ActionId { get; init; }

    public required int Index { get; init; }

    public required PartitionId Partition { get; init; }

    public required KeyRange Range { get; init; }

    public required NodeId From { get; init; }

    public required NodeId To { get; init; }

    public long BytesExpected { get; init; }

    public long StartedAt { get; init; }

    public ChangeCapture? Capture { get; set; }

    /// <summary>The next change-feed sequence to apply to the target: everything below it has been applied.</summary>
    public long NextSequence { get; set; }

    /// <summary>Where the copy continues: every key of the range below it is on the target. Null for the range start.</summary>
    public ShardKey? CopyResumeFrom { get; set; }

    /// <summary>True when recovery resumed this move from its journalled checkpoint instead of rolling it back.</summary>
    public bool Resumed { get; set; }

    public long BytesCopied { get; set; }

    public long KeysCopied { get; set; }

    public long ChangesApplied { get; set; }

    public long Lag { get; set; }

    public int CatchUpRounds { get; set; }

    public int CutOverAttempts { get; set; }

    public RangeChecksum? Verified { get; set; }

    /// <summary>
    /// The source's checksum at the copy's snapshot, computed by this process's copy from the bytes it copied (never
    /// journalled: a resumed move verifies with two fresh checksums). Null when the copy could not offer one.
    /// </summary>
    public RangeChecksum? CopySourceChecksum { get; set; }

    /// <summary>
    /// The target's checksum of the whole range read back by the same copy after its commits (see
    /// <see cref="Moving.RangeCopy.TargetChecksum"/>; never journalled, like <see cref="CopySourceChecksum"/>). Null when
    /// the copy did not read the target back.
    /// </summary>
    public RangeChecksum? CopyTargetChecksum { get; set; }

    public IAsyncDisposable? Fence { get; set; }

    /// <summary>
    /// Whether a fence call threw with no call returning a handle since: the node may have fenced the range and lost the
    /// reply, leaving a fence no one holds (see <see cref="Moving.IDataMover.FenceWritesAsync"/>). A rollback lifts it, and
    /// so does a recovered move before it resumes or cleans up.
    /// </summary>
    public bool FenceMayBeHeld { get; set; }

    public long FenceAcquiredAt { get; set; }

    public TimeSpan? FenceDuration { get; set; }

    public long? PublishedVersion { get; set; }

    public DateTimeOffset? CleanupAfter { get; set; }

    /// <summary>
    /// True when the prepare step found that routing no longer names the source as the range's owner and ended the move
    /// before changing anything (reported <see cref="ActionOutcome.Skipped"/>).
    /// </summary>
    public bool Refused { get; set; }

    /// <summary>
    /// True once this move may have published its new owner: from just before its publish (cleared if that publish lost a
    /// race), or when recovered from a record at or past the cut-over (CuttingOver, RollingBack, CleaningUp). Until then,
    /// routing naming the target is a change made outside the executor, not this move's publish: nothing is carried
    /// forward (the source's copy deleted) on its account.
    /// </summary>
    public bool MayHavePublished { get; set; }

    /// <summary>Why the move was rolled back or refused, or why it is left pending.</summary>
    public Exception? Error { get; set; }

    public static MoveContext FromRecord(MoveJournalRecord record, long startedAt) => new()
    {
        ActionId = record.ActionId,
        Index = -1,
        Partition = new PartitionId(record.Partition),
        Range = KeyText.Range(record),
        From = new NodeId(record.From ?? throw new InvalidDataException($"Journal record of move '{record.ActionId}' has no source node.")),
        To = new NodeId(record.To ?? throw new InvalidDataException($"Journal record of move '{record.ActionId}' has no target node.")),
        StartedAt = startedAt,
        CleanupAfter = record.CleanupAfter,
        MayHavePublished = record.State is MoveState.CuttingOver or MoveState.RollingBack or MoveState.CleaningUp or MoveState.Completed,
        CopyResumeFrom = record.CopyResumeFrom is null ? null : KeyText.FromHex(record.CopyResumeFrom),
        NextSequence = record.NextSequence ?? 0,
        BytesCopied = record.BytesCopied ?? 0,
        KeysCopied = record.KeysCopied ?? 0,
    };

    public MoveJournalRecord ToRecord(MoveState state, DateTimeOffset now) => new()
    {
        ActionId = ActionId,
        Kind = ActionKind.Move,
        State = state,
        Time = now,
        Partition = Partition.Value,
        From = From.Value,
        To = To.Value,
        RangeStart = KeyText.ToHex(Range.Start),
        RangeEnd = Range.End is { } end ? KeyText.ToHex(end) : null,
        CleanupAfter = state == MoveState.CleaningUp ? CleanupAfter : null,
        Error = state == MoveState.RollingBack ? Error?.Message : null,
        CopyResumeFrom = state == MoveState.Copying && CopyResumeFrom is { } resume ? KeyText.ToHex(resume) : null,
        NextSequence = Capture is null ? null : NextSequence,
        BytesCopied = BytesCopied,
        KeysCopied = KeysCopied,
    };
}
