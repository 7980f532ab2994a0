namespace PredictiveSharding.Redis.Migration;

/// <summary>What recovery did with the moves a crash left in the journal.</summary>
/// <param name="Resumed">Moves finished (their slots are on the target now).</param>
/// <param name="RolledBack">Moves undone (their slots are on the source again): under <see cref="RecoveryPolicy.RollBack"/>, after a failure during a roll-back, or under <see cref="RecoveryPolicy.Resume"/> when a master refused a step of the resumed move (logged, event 6017).</param>
/// <param name="Unfinished">Moves still open, each named with its slots, masters and the reason (e.g. a node is unreachable); the next recovery tries again, and <see cref="RedisSlotMigrationExecutor.ExecuteAsync(Planning.ShardingPlan, System.Threading.CancellationToken)"/> refuses every plan until none is left.</param>
public sealed record RecoveryReport(IReadOnlyList<string> Resumed, IReadOnlyList<string> RolledBack, IReadOnlyList<string> Unfinished)
{
    /// <summary>True when no move was left open.</summary>
    public bool IsClean => Unfinished.Count == 0;
}
