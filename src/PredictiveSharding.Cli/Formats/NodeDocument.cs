namespace PredictiveSharding.Cli.Formats;

/// <summary>cluster.json: one node.</summary>
internal sealed class NodeDocument
{
    public string? Id { get; set; }

    public string? Region { get; set; }

    public string? Zone { get; set; }

    public Dictionary<string, double>? Capacity { get; set; }
}
