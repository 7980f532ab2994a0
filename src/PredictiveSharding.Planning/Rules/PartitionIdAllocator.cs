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
    private readonly Lock _sourceGate;

    /// <param name="cluster">The snapshot whose ids are taken.</param>
    /// <param name="source">The host's source of ids, or null for derived names.</param>
    /// <param name="sourceGate">
    /// Held around every call to <paramref name="source"/>: the planner's, shared by its concurrent plans, since the
    /// source is promised one call at a time per planner (<see cref="IPartitionIdSource"/>).
    /// </param>
    public PartitionIdAllocator(ClusterSnapshot cluster, IPartitionIdSource? source, Lock sourceGate)
    {
        _source = source;
        _sourceGate = sourceGate;
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
            : Checked(FromSource(source => source.SplitChild(parent, index, ways)), $"child {index} of {ways} of '{parent}'"));

    /// <summary>The id of the merge of <paramref name="left"/> and <paramref name="right"/>: the source's, or "left+right".</summary>
    /// <exception cref="InvalidOperationException">The source returned no id (a default <see cref="PartitionId"/>).</exception>
    public PartitionId ForMerge(PartitionId left, PartitionId right) =>
        Allocate(_source is null
            ? left.Value + "+" + right.Value
            : Checked(FromSource(source => source.Merged(left, right)), $"the merge of '{left}' and '{right}'"));

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

    private PartitionId FromSource(Func<IPartitionIdSource, PartitionId> call)
    {
        lock (_sourceGate)
        {
            return call(_source!);
        }
    }

    private string Checked(PartitionId id, string what) =>
        id.Value ?? throw new InvalidOperationException($"The partition id source {_source!.GetType().Name} returned no id (a default PartitionId) for {what}.");
}
