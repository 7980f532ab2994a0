namespace PredictiveSharding.Cli.Formats;

/// <summary>cluster.json: the nodes and the partitions that cover the key space.</summary>
internal sealed class ClusterDocument
{
    public List<NodeDocument>? Nodes { get; set; }

    public List<PartitionDocument>? Partitions { get; set; }
}
