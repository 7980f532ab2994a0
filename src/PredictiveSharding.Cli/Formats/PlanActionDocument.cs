namespace PredictiveSharding.Cli.Formats;

/// <summary>plan.json: one action; fields that do not apply to its type are left out.</summary>
internal sealed class PlanActionDocument
{
    /// <summary>split, move or merge.</summary>
    public string? Type { get; set; }

    /// <summary>split: the partition to split.</summary>
    public string? Partition { get; set; }

    /// <summary>merge: the two adjacent partitions, left then right.</summary>
    public List<string>? Partitions { get; set; }

    /// <summary>move: the partition or shard to move.</summary>
    public string? Shard { get; set; }

    public List<string>? SplitKeys { get; set; }

    /// <summary>split: the new shards left to right; merge: the merged partition.</summary>
    public List<string>? NewPartitions { get; set; }

    public string? From { get; set; }

    public string? To { get; set; }

    public long? Bytes { get; set; }

    public double? DurationSeconds { get; set; }

    public DateTimeOffset? StartBy { get; set; }

    public string? Reason { get; set; }
}
