using System.Globalization;
using PredictiveSharding.Topology;

namespace PredictiveSharding.Planning.Rules;

/// <summary>Deterministic new partition ids that collide with no id of the snapshot nor with each other.</summary>
internal sealed class PartitionIdAllocator
{
    private readonly HashSet<string> _taken = new(StringComparer.Ordinal);

    public PartitionIdAllocator(ClusterSnapshot cluster)
    {
        foreach (var partition in cluster.Partitions)
        {
            _taken.Add(partition.Id.Value);
        }
    }

    /// <summary>Returns <paramref name="preferred"/>, or, when taken, the first free "preferred~2", "preferred~3", ….</summary>
    public PartitionId Allocate(string preferred)
    {
        var candidate = preferred;
        for (var i = 2; !_taken.Add(candidate); i++)
        {
            candidate = preferred + "~" + i.ToString(CultureInfo.InvariantCulture);
        }

        return new PartitionId(candidate);
    }
}
