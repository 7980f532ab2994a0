namespace PredictiveSharding.Cli.Formats;

/// <summary>cluster.json: one partition. Sizes are read as numbers so that <c>1e9</c> is accepted, then checked to be whole.</summary>
internal sealed class PartitionDocument
{
    public string? Id { get; set; }

    public string? Start { get; set; }

    public string? End { get; set; }

    public string? Node { get; set; }

    public double? SizeBytes { get; set; }

    public double? KeyCount { get; set; }

    public List<KeySampleDocument>? KeySamples { get; set; }

    public Dictionary<string, double>? RegionMix { get; set; }
}
