namespace PredictiveSharding.Redis.Migration;

/// <summary>Running counts of one partition move, for its report.</summary>
internal sealed class MoveTally
{
    public long KeysMigrated { get; set; }

    public long KeysInCurrentSlot { get; set; }

    public long TargetKeys { get; set; }

    public int Slots { get; set; }

    public int SampledKeys { get; set; }

    public int SampleMismatches { get; set; }

    public int Retries { get; set; }

    public int StaleKeysReplaced { get; set; }
}
