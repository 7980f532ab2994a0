namespace PredictiveSharding.Execution;

/// <summary>
/// The states of an action of a plan. A move goes Preparing → Copying → CatchingUp → Verifying → CuttingOver →
/// CleaningUp → Completed, or to RollingBack → RolledBack from any state before the new routing version is published
/// (after a cut-over timeout it goes back to CatchingUp). A split or merge only changes routing: Publishing → Completed
/// (or RolledBack when it could not be applied). Each state is journalled before its effects.
/// </summary>
public enum MoveState
{
    /// <summary>Clearing any stale copy on the target and starting change capture on the source.</summary>
    Preparing = 0,

    /// <summary>Copying the range to the target in chunks while the source keeps serving.</summary>
    Copying = 1,

    /// <summary>Applying captured writes to the target, round after round, until the lag is small.</summary>
    CatchingUp = 2,

    /// <summary>Comparing ordered checksums of the range on source and target at one change-feed position.</summary>
    Verifying = 3,

    /// <summary>
    /// Fencing writes on the source, applying the last captured changes and publishing the new owner, then releasing the
    /// fence: the only time host writes to the range wait.
    /// </summary>
    CuttingOver = 4,

    /// <summary>Publishing the new routing version of a split or merge.</summary>
    Publishing = 5,

    /// <summary>Routing names the new owner; waiting out the grace period, then deleting the range on the old owner.</summary>
    CleaningUp = 6,

    /// <summary>Done: the new owner serves the range and the old copy is gone (or the routing change is published).</summary>
    Completed = 7,

    /// <summary>Undoing a move that failed, was cancelled or failed verification: the source stays the owner, the target's copy is deleted.</summary>
    RollingBack = 8,

    /// <summary>Undone: routing is unchanged and the target holds nothing of the range.</summary>
    RolledBack = 9,
}
