using PredictiveSharding.Keys;
using PredictiveSharding.Topology;

namespace PredictiveSharding.Cli.Formats;

/// <summary>
/// cluster.json ⇄ <see cref="ClusterSnapshot"/>. Keys are UTF-8 strings; a partition's <c>start</c> of <c>""</c> is the
/// start of the key space and an <c>end</c> of <c>null</c> (or left out) its end.
/// </summary>
internal static class ClusterJson
{
    public static ClusterSnapshot Read(string path)
    {
        using var stream = OpenRead(path);
        return Read(stream, path);
    }

    public static ClusterSnapshot Read(Stream stream, string file)
    {
        var document = JsonFile.Read(stream, file, PlanJsonContext.Default.ClusterDocument);
        var nodes = ReadNodes(document, file);
        var partitions = ReadPartitions(document, file, nodes);
        try
        {
            return new ClusterSnapshot(nodes.Values, partitions, 1);
        }
        catch (ArgumentException e)
        {
            throw new PlanFileException(file, "$.partitions", e.Message, e);
        }
    }

    public static void Write(ClusterSnapshot cluster, Stream stream)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        var document = new ClusterDocument
        {
            Nodes = [.. cluster.Nodes.Select(n => new NodeDocument
            {
                Id = n.Id.Value,
                Region = n.Region,
                Zone = n.Zone.Length == 0 ? null : n.Zone,
                Capacity = n.Capacity.ToDictionary(c => c.Key.Name, c => c.Value, StringComparer.Ordinal),
            })],
            Partitions = [.. cluster.Partitions.Select(p => new PartitionDocument
            {
                Id = p.Id.Value,
                Start = p.Range.Start.ToUtf8String(),
                End = p.Range.End?.ToUtf8String(),
                Node = p.Node.Value,
                SizeBytes = p.SizeBytes,
                KeyCount = p.KeyCount,
                KeySamples = p.KeySamples.Count == 0 ? null : [.. p.KeySamples.Select(s => new KeySampleDocument { Key = s.Key.ToUtf8String(), Weight = s.Weight })],
                RegionMix = p.RegionMix.Count == 0 ? null : p.RegionMix.ToDictionary(m => m.Key, m => m.Value, StringComparer.Ordinal),
            })],
        };
        JsonFile.Write(stream, document, JsonFile.Output.ClusterDocument);
    }

    internal static FileStream OpenRead(string path)
    {
        // Opening a folder fails with "Access to the path is denied", which sent the user after permissions.
        if (Directory.Exists(path))
        {
            throw new PlanFileException(path, "$", "is a folder, not a file; name a file in it.");
        }

        try
        {
            return File.OpenRead(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new PlanFileException(path, "$", "cannot be read: " + e.Message, e);
        }
    }

    private static Dictionary<NodeId, NodeInfo> ReadNodes(ClusterDocument document, string file)
    {
        if (document.Nodes is not { Count: > 0 } nodes)
        {
            throw new PlanFileException(file, "$.nodes", "at least one node is needed; the cluster is empty.");
        }

        var result = new Dictionary<NodeId, NodeInfo>();
        for (var i = 0; i < nodes.Count; i++)
        {
            var path = JsonFile.Index("$.nodes", i);
            var node = nodes[i] ?? throw new PlanFileException(file, path, "a node must be an object, not null.");
            if (string.IsNullOrWhiteSpace(node.Id))
            {
                throw new PlanFileException(file, path + ".id", $"a node needs a non-empty id; got '{node.Id}'.");
            }

            var id = new NodeId(node.Id);
            if (node.Capacity is not { Count: > 0 } capacity)
            {
                throw new PlanFileException(file, path + ".capacity", $"node '{node.Id}' needs a capacity for at least one resource.");
            }

            var capacities = new Dictionary<ResourceKind, double>();
            foreach (var (resource, value) in capacity)
            {
                var at = JsonFile.Property(path + ".capacity", resource);
                if (string.IsNullOrWhiteSpace(resource))
                {
                    throw new PlanFileException(file, at, "a resource name must not be empty.");
                }

                if (!(value > 0) || !double.IsFinite(value))
                {
                    throw new PlanFileException(file, at, $"capacity must be a positive number; got {JsonFile.Show(value)}.");
                }

                capacities[new ResourceKind(resource)] = value;
            }

            if (!result.TryAdd(id, new NodeInfo(id, capacities, node.Region ?? string.Empty, node.Zone ?? string.Empty)))
            {
                throw new PlanFileException(file, path + ".id", $"node id '{node.Id}' appears more than once.");
            }
        }

        return result;
    }

    private static List<PartitionInfo> ReadPartitions(ClusterDocument document, string file, Dictionary<NodeId, NodeInfo> nodes)
    {
        if (document.Partitions is not { Count: > 0 } partitions)
        {
            throw new PlanFileException(file, "$.partitions", "at least one partition is needed to cover the key space.");
        }

        var result = new List<PartitionInfo>(partitions.Count);
        var ids = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < partitions.Count; i++)
        {
            var path = JsonFile.Index("$.partitions", i);
            var partition = partitions[i] ?? throw new PlanFileException(file, path, "a partition must be an object, not null.");
            if (string.IsNullOrWhiteSpace(partition.Id))
            {
                throw new PlanFileException(file, path + ".id", $"a partition needs a non-empty id; got '{partition.Id}'.");
            }

            if (!ids.Add(partition.Id))
            {
                throw new PlanFileException(file, path + ".id", $"partition id '{partition.Id}' appears more than once.");
            }

            if (partition.Start is null)
            {
                throw new PlanFileException(file, path + ".start", $"partition '{partition.Id}' needs a start key (\"\" for the start of the key space).");
            }

            KeyRange range;
            try
            {
                range = KeyRange.FromStrings(partition.Start, partition.End);
            }
            catch (ArgumentException e)
            {
                throw new PlanFileException(file, path + ".end", $"partition '{partition.Id}' ends at '{partition.End}', which is not after its start '{partition.Start}'.", e);
            }

            if (string.IsNullOrWhiteSpace(partition.Node) || !nodes.ContainsKey(new NodeId(partition.Node)))
            {
                throw new PlanFileException(file, path + ".node", $"partition '{partition.Id}' is owned by node '{partition.Node}', which is not in $.nodes.");
            }

            var size = WholeNumber(partition.SizeBytes, file, path + ".sizeBytes", required: true);
            var keyCount = WholeNumber(partition.KeyCount, file, path + ".keyCount", required: false);
            var info = new PartitionInfo(new PartitionId(partition.Id), range, new NodeId(partition.Node), size, keyCount)
            {
                KeySamples = ReadSamples(partition, file, path, range),
                RegionMix = ReadRegionMix(partition, file, path),
            };
            result.Add(info);
        }

        return result;
    }

    private static List<KeySample> ReadSamples(PartitionDocument partition, string file, string path, KeyRange range)
    {
        var samples = new List<KeySample>();
        if (partition.KeySamples is null)
        {
            return samples;
        }

        for (var k = 0; k < partition.KeySamples.Count; k++)
        {
            var at = JsonFile.Index(path + ".keySamples", k);
            var sample = partition.KeySamples[k] ?? throw new PlanFileException(file, at, "a key sample must be an object, not null.");
            if (sample.Key is null)
            {
                throw new PlanFileException(file, at + ".key", "a key sample needs a key.");
            }

            var key = ShardKey.FromString(sample.Key);
            if (!range.Contains(key))
            {
                throw new PlanFileException(file, at + ".key", $"sampled key '{sample.Key}' is outside partition '{partition.Id}' {range}.");
            }

            if (sample.Weight is not { } weight || !double.IsFinite(weight) || weight < 0)
            {
                throw new PlanFileException(file, at + ".weight", $"a key sample's weight must be a non-negative number; got {(sample.Weight is { } w ? JsonFile.Show(w) : "nothing")}.");
            }

            samples.Add(new KeySample(key, weight));
        }

        return samples;
    }

    private static Dictionary<string, double> ReadRegionMix(PartitionDocument partition, string file, string path)
    {
        var mix = new Dictionary<string, double>(StringComparer.Ordinal);
        if (partition.RegionMix is null)
        {
            return mix;
        }

        foreach (var (region, share) in partition.RegionMix)
        {
            if (!double.IsFinite(share) || share < 0 || share > 1)
            {
                throw new PlanFileException(file, JsonFile.Property(path + ".regionMix", region), $"a region's share of requests must be between 0 and 1; got {JsonFile.Show(share)}.");
            }

            mix[region] = share;
        }

        return mix;
    }

    private static long WholeNumber(double? value, string file, string path, bool required)
    {
        if (value is not { } v)
        {
            return required ? throw new PlanFileException(file, path, "is required.") : 0;
        }

        // 2^63 itself is not representable as a long; anything below it that is whole is.
        if (!double.IsFinite(v) || v < 0 || v != Math.Floor(v) || v >= 9.2233720368547758E18)
        {
            throw new PlanFileException(file, path, $"must be a whole, non-negative number; got {JsonFile.Show(v)}.");
        }

        return (long)v;
    }
}
