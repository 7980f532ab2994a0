using System.Diagnostics.Metrics;

namespace PredictiveSharding.Redis.Diagnostics;

/// <summary>Counters of the Redis adapter, on a meter named after the package.</summary>
internal sealed class RedisShardingMetrics : IDisposable
{
    public const string MeterName = "PredictiveSharding.Redis";
    private readonly Meter _meter;

    public RedisShardingMetrics(IMeterFactory? meterFactory)
    {
        _meter = meterFactory?.Create(MeterName) ?? new Meter(MeterName);
        SlotsMigrated = _meter.CreateCounter<long>("psharding.redis.slots_migrated", "{slot}", "Slots handed to another master.");
        KeysMigrated = _meter.CreateCounter<long>("psharding.redis.keys_migrated", "{key}", "Keys sent with MIGRATE.");
        MovesCompleted = _meter.CreateCounter<long>("psharding.redis.moves_completed", "{move}", "Partition moves completed and verified.");
        MovesRolledBack = _meter.CreateCounter<long>("psharding.redis.moves_rolled_back", "{move}", "Partition moves that failed and were rolled back or left for recovery.");
        Retries = _meter.CreateCounter<long>("psharding.redis.retries", "{command}", "Commands retried after transient errors.");
        JournalCompactionFailures = _meter.CreateCounter<long>("psharding.redis.journal.compaction_failures", "{compaction}", "Compactions of the migration journal, after a plan or a recovery, that failed (the result stands; the next plan or recovery tries again).");
    }

    public Counter<long> SlotsMigrated { get; }

    public Counter<long> KeysMigrated { get; }

    public Counter<long> MovesCompleted { get; }

    public Counter<long> MovesRolledBack { get; }

    public Counter<long> Retries { get; }

    public Counter<long> JournalCompactionFailures { get; }

    public void Dispose() => _meter.Dispose();
}
