namespace PredictiveSharding.Redis.Migration;

/// <summary>What recovery did with the moves a crash left in the journal.</summary>
/// <param name="Resumed">Moves finished (their slots are on the target now).</param>
/// <param name="RolledBack">Moves undone (their slots are on the source again).</param>
/// <param name="Unfinished">Moves still open, with the reason (e.g. a node is unreachable); the next recovery tries again.</param>
public sealed record RecoveryReport(IReadOnlyList<string> Resumed, IReadOnlyList<string> RolledBack, IReadOnlyList<string> Unfinished)
{
    /// <summary>True when no move was left open.</summary>
    public bool IsClean => Unfinished.Count == 0;
}
