namespace PredictiveSharding.Redis.Migration;

/// <summary>What the migration of one partition's slots did and verified.</summary>
/// <param name="Partition">The partition.</param>
/// <param name="From">Source master address.</param>
/// <param name="To">Target master address.</param>
/// <param name="Slots">Slots handed over.</param>
/// <param name="KeysMigrated">Keys the source sent with <c>MIGRATE</c>.</param>
/// <param name="TargetKeys">Keys the target holds in those slots afterwards (<c>CLUSTER COUNTKEYSINSLOT</c>); equals <paramref name="KeysMigrated"/> plus what it held before, unless clients created or deleted keys during the move.</param>
/// <param name="SampledKeys">Keys whose value was compared before and after.</param>
/// <param name="SampleMismatches">Sampled keys whose value differed afterwards (written by a client meanwhile, or a fault).</param>
/// <param name="Retries">Commands retried after transient errors.</param>
/// <param name="StaleKeysReplaced">Keys the target already held (BUSYKEY) while the source served their slot, so clients could not see them: stale copies left by an earlier interrupted move, replaced with the source's live value.</param>
public sealed record SlotMoveReport(string Partition, string From, string To, int Slots, long KeysMigrated, long TargetKeys, int SampledKeys, int SampleMismatches, int Retries, int StaleKeysReplaced);
