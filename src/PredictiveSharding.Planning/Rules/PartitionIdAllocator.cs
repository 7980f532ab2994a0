using System.Globalization;
using PredictiveSharding.Topology;

namespace PredictiveSharding.Planning.Rules;

/// <summary>
/// New partition ids that collide with no id of the snapshot nor with each other: the host's
/// <see cref="IPartitionIdSource"/>'s, or (without one) deterministic names derived from the parents.
/// </summary>
internal sealed class PartitionIdAllocator
{
    private readonly HashSet<string> _taken = new(StringComparer.Ordinal);
    private readonly IPartitionIdSource? _source;

    public PartitionIdAllocator(ClusterSnapshot cluster, IPartitionIdSource? source = null)
    {
        _source = source;
        foreach (var partition in cluster.Partitions)
        {
            _taken.Add(partition.Id.Value);
        }
    }

    /// <summary>The id of child <paramref name="index"/> of <paramref name="ways"/> of <paramref name="parent"/>: the source's, or "parent.index".</summary>
    /// <exception cref="InvalidOperationException">The source returned no id (a default <see cref="PartitionId"/>).</exception>
    public PartitionId ForSplit(PartitionId parent, int index, int ways) =>
        Allocate(_source is null
            ? parent.Value + "." + index.ToString(CultureInfo.InvariantCulture)
            : Checked(_source.SplitChild(parent, index, ways), $"child {index} of {ways} of '{parent}'"));

    /// <summary>The id of the merge of <paramref name="left"/> and <paramref name="right"/>: the source's, or "left+right".</summary>
    /// <exception cref="InvalidOperationException">The source returned no id (a default <see cref="PartitionId"/>).</exception>
    public PartitionId ForMerge(PartitionId left, PartitionId right) =>
        Allocate(_source is null
            ? left.Value + "+" + right.Value
            : Checked(_source.Merged(left, right), $"the merge of '{left}' and '{right}'"));

    /// <summary>Returns <paramref name="preferred"/>, or, when taken, the first free "preferred~2", "preferred~3", ….</summary>
    private PartitionId Allocate(string preferred)
    {
        var candidate = preferred;
        for (var i = 2; !_taken.Add(candidate); i++)
        {
            candidate = preferred + "~" + i.ToString(CultureInfo.InvariantCulture);
        }

        return new PartitionId(candidate);
    }

    private string Checked(PartitionId id, string what) =>
        id.Value ?? throw new InvalidOperationException($"The partition id source {_source!.GetType().Name} returned no id (a default PartitionId) for {what}.");
}
