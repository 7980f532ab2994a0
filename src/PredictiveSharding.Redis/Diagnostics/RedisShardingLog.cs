using Microsoft.Extensions.Logging;

namespace PredictiveSharding.Redis.Diagnostics;

internal static partial class RedisShardingLog
{
    [LoggerMessage(6001, LogLevel.Information, "Moving partition {Partition} (slots {Slots}) from {From} to {To}")]
    public static partial void MoveStarted(ILogger logger, string partition, string slots, string from, string to);

    [LoggerMessage(6002, LogLevel.Information, "Moved partition {Partition} to {To}: {Keys} keys in {Slots} slots, {Retries} retries, {Mismatches} of {Sampled} sampled values differed")]
    public static partial void MoveCompleted(ILogger logger, string partition, string to, long keys, int slots, int retries, int mismatches, int sampled);

    [LoggerMessage(6003, LogLevel.Warning, "Move of partition {Partition} failed and is being rolled back: {Reason}")]
    public static partial void MoveFailed(ILogger logger, string partition, string reason, Exception exception);

    [LoggerMessage(6004, LogLevel.Warning, "Retrying {Command} on {Node} (attempt {Attempt}) after: {Error}")]
    public static partial void Retrying(ILogger logger, string command, string node, int attempt, string error);

    [LoggerMessage(6005, LogLevel.Warning, "Sampled key {Key} of slot {Slot} differs after the move (a client may have written it meanwhile)")]
    public static partial void SampleMismatch(ILogger logger, string key, int slot);

    [LoggerMessage(6006, LogLevel.Warning, "Master {Node} did not take SETSLOT {Slot} NODE (it learns the new owner by gossip): {Error}")]
    public static partial void AssignSkipped(ILogger logger, string node, int slot, string error);

    [LoggerMessage(6007, LogLevel.Information, "Recovering move {Move} of partition {Partition} (slots {Slots}, {From} -> {To}) by {Policy}")]
    public static partial void Recovering(ILogger logger, string move, string partition, string slots, string from, string to, string policy);

    [LoggerMessage(6008, LogLevel.Error, "Move {Move} of partition {Partition} stays unfinished: {Reason}")]
    public static partial void RecoveryFailed(ILogger logger, string move, string partition, string reason);

    [LoggerMessage(6009, LogLevel.Warning, "Action refused: {Reason}")]
    public static partial void ActionRefused(ILogger logger, string reason);

    [LoggerMessage(6011, LogLevel.Warning, "Key {Key} of slot {Slot} already existed on {Target}, hidden from clients while the source served the slot; replaced that stale copy with the source's value")]
    public static partial void StaleKeyReplaced(ILogger logger, string key, int slot, string target);

    [LoggerMessage(6010, LogLevel.Warning, "Target {Node} holds {Keys} keys of slot {Slot} after the move, {Expected} expected (clients created or deleted keys meanwhile, or keys were lost)")]
    public static partial void TargetCountDiffers(ILogger logger, string node, int slot, long keys, long expected);

    [LoggerMessage(6012, LogLevel.Warning, "Master {Node} has heard of epoch {Known} only, below the highest master epoch {Highest}, after waiting for gossip; handing the slot over anyway")]
    public static partial void EpochNotHeard(ILogger logger, string node, long known, long highest);

    [LoggerMessage(6013, LogLevel.Warning, "Master {Node} lost its claim on slot {Slot} to an older, higher-epoch claim; claiming it again and bumping its epoch (repair {Attempt})")]
    public static partial void ClaimRepaired(ILogger logger, string node, int slot, int attempt);

    [LoggerMessage(6015, LogLevel.Warning, "Master {Node} took slot {Slot} but was still marked as migrating or importing it (left by an interrupted earlier hand-over); closed it there (SETSLOT STABLE)")]
    public static partial void StaleOpenSlotClosed(ILogger logger, string node, int slot);

    [LoggerMessage(6016, LogLevel.Warning, "Emptying the migration journal {Path} after a {Run} failed; its result stands, the journal keeps its records and the next plan or recovery tries again")]
    public static partial void JournalCompactionFailed(ILogger logger, string path, string run, Exception exception);

    [LoggerMessage(6017, LogLevel.Warning, "Resuming move {Move} of partition {Partition} was refused ({Reason}); rolling it back instead, as a move that fails during a plan is")]
    public static partial void ResumeRefused(ILogger logger, string move, string partition, string reason);

    [LoggerMessage(6018, LogLevel.Warning, "Move {Move} of partition {Partition} (slots {Slots}, {From} -> {To}) abandoned by the operator and dropped from the journal; the cluster was not changed, its slots are served by {Owners}")]
    public static partial void MoveAbandoned(ILogger logger, string move, string partition, string slots, string from, string to, string owners);

    [LoggerMessage(6014, LogLevel.Warning, "Routing version {Version} is published, but a Changed subscriber threw; the executor goes on (the change is in force)")]
    public static partial void SubscriberFailed(ILogger logger, long version, Exception exception);
}
