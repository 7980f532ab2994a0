namespace PredictiveSharding.Executing;

/// <summary>How one action of a plan ended, as <see cref="PlanActionResult"/> reports it.</summary>
public enum PlanActionStatus
{
    /// <summary>Carried out and, for a move, verified: the new owner serves the range and the old copy is gone.</summary>
    Completed = 0,

    /// <summary>Took effect (the new owner serves the range), but the old copy is not deleted yet; the executor's next recovery deletes it.</summary>
    CompletedCleanupPending = 1,

    /// <summary>Failed or refused and undone: routing is unchanged and nothing is left behind.</summary>
    RolledBack = 2,

    /// <summary>Failed and not fully undone yet: routing is unchanged, and the executor's next recovery finishes the undo.</summary>
    RollbackPending = 3,

    /// <summary>Not started: an action it depends on did not complete, an earlier move is unfinished, or the plan was cancelled.</summary>
    Skipped = 4,
}
