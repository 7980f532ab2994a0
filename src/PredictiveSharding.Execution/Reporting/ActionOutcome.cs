namespace PredictiveSharding.Execution;

/// <summary>How a plan action ended.</summary>
public enum ActionOutcome
{
    /// <summary>Done and, for a move, verified: the new owner serves the range and the old copy is deleted.</summary>
    Completed = 0,

    /// <summary>The new owner serves the range, but the old copy is not deleted yet (cancelled or failed during clean-up); the next recovery deletes it.</summary>
    CleanupPending = 1,

    /// <summary>Undone: routing is unchanged and the target's partial copy is deleted. <see cref="ActionReport.Error"/> says why.</summary>
    RolledBack = 2,

    /// <summary>Failed and could not be fully undone yet (the mover kept failing); routing is unchanged, and the next recovery finishes the undo.</summary>
    RollbackPending = 3,

    /// <summary>Not started: an action it depends on (an earlier action on an overlapping range) did not complete, an earlier plan's action on an overlapping range is still pending, routing changed (checked when a move starts and again before its prepare step deletes the target's stale keys of the range; nothing is changed), or the plan was cancelled. <see cref="ActionReport.Error"/> says which.</summary>
    Skipped = 4,
}
