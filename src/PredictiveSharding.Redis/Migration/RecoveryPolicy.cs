namespace PredictiveSharding.Redis.Migration;

/// <summary>
/// What recovery does with a move a crash of our process (or a cancellation) left unfinished. A move that had failed and
/// whose roll-back had begun, as the journal records before the roll-back's first step, is rolled back whatever the
/// policy: its slots may be part way back, which only a roll-back handles.
/// </summary>
public enum RecoveryPolicy
{
    /// <summary>
    /// Finish the move: the slot in flight and the slots not yet started go to the target. When a master answers and
    /// refuses a step of it (the target out of memory, a sampled value that differs with
    /// <see cref="RedisMigrationOptions.FailOnSampleMismatch"/>), the move is rolled back instead, in the same recovery, as
    /// a move that fails during a plan is: resuming again would only fail the same way at every later recovery, and the
    /// executor refuses every plan while a move is unfinished. While a master is unreachable or flagged failing the move
    /// stays unfinished, and every later recovery tries to resume it again.
    /// </summary>
    Resume = 0,

    /// <summary>
    /// Undo the move: a slot in flight whose keys are all still on the source is closed with <c>CLUSTER SETSLOT STABLE</c>;
    /// one that already moved keys has them migrated back first; slots already handed over are migrated back.
    /// </summary>
    RollBack = 1,
}
