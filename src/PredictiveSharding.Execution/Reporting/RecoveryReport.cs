using PredictiveSharding.Execution.Journal;

namespace PredictiveSharding.Execution;

/// <summary>What recovery found in the journal and did about it.</summary>
/// <param name="Actions">Each unfinished action found, with how recovery ended it (completed the clean-up, or rolled back).</param>
/// <param name="JournalRepair">The torn or corrupted journal tail dropped when the journal was opened; null when it was intact.</param>
public sealed record RecoveryReport(IReadOnlyList<ActionReport> Actions, JournalTailRepair? JournalRepair)
{
    /// <summary>
    /// Unfinished actions that recovery carried forward (completed, or left with only their clean-up pending): moves
    /// it cleaned up after their publish or resumed from their checkpoint, and splits and merges that routing showed done.
    /// </summary>
    public int Resumed => Actions.Count(a => a.Outcome is ActionOutcome.Completed or ActionOutcome.CleanupPending);

    /// <summary>Unpublished moves that recovery resumed from their journalled checkpoint (copy, catch-up or verification) instead of rolling back, whatever their end.</summary>
    public int ResumedFromCheckpoint => Actions.Count(a => a.ResumedFromCheckpoint);

    /// <summary>Unfinished actions that recovery rolled back (their routing was not published).</summary>
    public int RolledBack => Actions.Count(a => a.Outcome is ActionOutcome.RolledBack or ActionOutcome.RollbackPending);
}
