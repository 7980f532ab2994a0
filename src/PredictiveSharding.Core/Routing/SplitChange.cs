using PredictiveSharding.Keys;
using PredictiveSharding.Topology;

namespace PredictiveSharding.Routing;

/// <summary>
/// Splits a partition at ascending keys into <c>SplitKeys.Count + 1</c> new partitions, which stay on the
/// parent's node unless <see cref="Nodes"/> says otherwise (a routing-only split has no <see cref="Nodes"/>).
/// </summary>
/// <param name="Partition">The partition to split; it leaves the map.</param>
/// <param name="SplitKeys">Strictly ascending keys strictly inside the partition's range.</param>
/// <param name="NewPartitions">Ids of the children, left to right; one more than the split keys, all new to the map.</param>
/// <param name="Nodes">Optional owner of each child; null keeps every child on the parent's node.</param>
public sealed record SplitChange(
    PartitionId Partition,
    IReadOnlyList<ShardKey> SplitKeys,
    IReadOnlyList<PartitionId> NewPartitions,
    IReadOnlyList<NodeId>? Nodes = null) : RoutingChange
{
    /// <summary>True when <paramref name="other"/> splits the same partition at the same keys into the same children on the same nodes.</summary>
    /// <remarks>The lists compare element by element: a record compares lists by reference, so two identical changes were unequal.</remarks>
    public bool Equals(SplitChange? other) =>
        ReferenceEquals(this, other)
        || (other is not null
            && base.Equals(other)
            && Partition == other.Partition
            && Same(SplitKeys, other.SplitKeys)
            && Same(NewPartitions, other.NewPartitions)
            && Same(Nodes, other.Nodes));

    /// <inheritdoc />
    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.Add(base.GetHashCode());
        hash.Add(Partition);
        Add(ref hash, SplitKeys);
        Add(ref hash, NewPartitions);
        Add(ref hash, Nodes);
        return hash.ToHashCode();
    }

    // The lists may be null here (a record takes null; RoutingMap.Apply refuses it): null equals null only.
    private static bool Same<T>(IReadOnlyList<T>? a, IReadOnlyList<T>? b) =>
        ReferenceEquals(a, b) || (a is not null && b is not null && a.SequenceEqual(b));

    private static void Add<T>(ref HashCode hash, IReadOnlyList<T>? items)
    {
        hash.Add(items?.Count ?? -1);
        foreach (var item in items ?? [])
        {
            hash.Add(item);
        }
    }
}
