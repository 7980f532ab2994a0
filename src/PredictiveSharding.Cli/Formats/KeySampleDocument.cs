namespace PredictiveSharding.Cli.Formats;

/// <summary>cluster.json: one sampled key of a partition and the load it stands for.</summary>
internal sealed class KeySampleDocument
{
    public string? Key { get; set; }

    public double? Weight { get; set; }
}
