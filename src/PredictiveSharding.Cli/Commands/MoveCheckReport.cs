using System.Text.Json.Serialization;

namespace PredictiveSharding.Cli.Commands;

/// <summary>
/// What move-check found; printed by <c>--json</c> as exactly this object.
/// </summary>
/// <param name="AcknowledgedWrites">Writes a node acknowledged (PutAsync returned Ok), including the initial load.</param>
/// <param name="LostWrites">Keys whose value at the end, read from the owner the final routing names, is older than (or missing despite) their last acknowledged write.</param>
/// <param name="StaleReads">Reads served by the owner the routing named that returned a value older than the last write of that key acknowledged before the read began.</param>
/// <param name="DoubleOwnedKeys">Keys held at the end by a node other than the owner in the final routing version (a copy the move left behind), plus keys two routes of one published version claim.</param>
/// <param name="MovesCompleted">Move actions that completed (routing switched to the target, source cleaned up).</param>
/// <param name="MovesRolledBack">Move actions that were rolled back (the source stayed the owner).</param>
/// <param name="MovesResumed">Moves that a recovery resumed from their journalled checkpoint after a crash (instead of rolling them back), counted once per move whatever their end.</param>
/// <param name="Crashes">Times the executor was killed and a new one recovered from the journal.</param>
/// <param name="VerifiedKeys">Keys checked at the end.</param>
/// <param name="Seconds">Wall-clock duration of the run.</param>
internal sealed record MoveCheckReport(
    long AcknowledgedWrites,
    long LostWrites,
    long StaleReads,
    long DoubleOwnedKeys,
    int MovesCompleted,
    int MovesRolledBack,
    int MovesResumed,
    int Crashes,
    long VerifiedKeys,
    double Seconds)
{
    /// <summary>True when nothing was lost, nothing stale was read and no key was owned twice.</summary>
    [JsonIgnore]
    public bool Passed => LostWrites == 0 && StaleReads == 0 && DoubleOwnedKeys == 0;
}
