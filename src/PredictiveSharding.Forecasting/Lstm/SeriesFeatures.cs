using PredictiveSharding.Topology;

namespace PredictiveSharding.Forecasting.Lstm;

/// <summary>One series turned into the arrays windows are cut from (all per bucket except the metadata).</summary>
internal sealed class SeriesFeatures
{
    public SeriesFeatures(PartitionId partition, DateTimeOffset start, float[] load, float[] calendar, float[] metadata, float[]? node, float[]? regions)
    {
        Partition = partition;
        Start = start;
        Load = load;
        Calendar = calendar;
        Metadata = metadata;
        Node = node;
        Regions = regions;
    }

    public PartitionId Partition { get; }

    /// <summary>Start of the first bucket held here (for a forecast, the start of the tail that was kept).</summary>
    public DateTimeOffset Start { get; }

    /// <summary>Requests per bucket, unscaled.</summary>
    public float[] Load { get; }

    /// <summary><c>[buckets × 4]</c>: sin/cos of hour of day and of day of week.</summary>
    public float[] Calendar { get; }

    /// <summary>Standardised log size, log key count, log access frequency (zeros when unknown).</summary>
    public float[] Metadata { get; }

    /// <summary><c>[buckets × 4]</c> standardised node metrics, or null when the host gave none for this partition's node.</summary>
    public float[]? Node { get; }

    /// <summary><c>[buckets × regions]</c> request shares per client region, or null when unknown.</summary>
    public float[]? Regions { get; }

    public int Length => Load.Length;
}
