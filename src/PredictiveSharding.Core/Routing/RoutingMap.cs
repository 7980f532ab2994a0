using System.Collections.ObjectModel;
using PredictiveSharding.Keys;
using PredictiveSharding.Topology;

namespace PredictiveSharding.Routing;

/// <summary>
/// An immutable, versioned map from keys to partitions to nodes. Lookups are O(log n) binary searches that
/// allocate nothing; splits, merges and moves produce a new map with the next version, leaving this one intact,
/// so a reader that holds a map always sees one consistent version.
/// </summary>
public sealed class RoutingMap
{
    private readonly PartitionRoute[] _routes;
    private readonly ReadOnlyCollection<PartitionRoute> _routesView;
    private readonly byte[][] _starts;
    private readonly ulong[] _startPrefixes;
    private readonly Dictionary<PartitionId, int> _indexById;

    /// <summary>Creates a map and checks that the routes cover the key space exactly once.</summary>
    /// <param name="routes">The routes in any order.</param>
    /// <param name="version">The routing version, non-negative.</param>
    /// <exception cref="ArgumentException">Default or duplicate partition ids, a default node id, overlapping ranges, gaps, or ranges that do not reach the ends of the key space.</exception>
    public RoutingMap(IEnumerable<PartitionRoute> routes, long version)
    {
        ArgumentNullException.ThrowIfNull(routes);
        Guard.NonNegative(version, nameof(version));
        var sorted = routes.ToArray();
        foreach (var route in sorted)
        {
            ArgumentNullException.ThrowIfNull(route, nameof(routes));

            // default(PartitionId) and default(NodeId) carry no text; accepted, they failed far from here (a load recorder
            // hashing the partition's name).
            if (route.Partition.Value is null)
            {
                throw new ArgumentException($"The route of {route.Range} has no partition id (a default PartitionId).", nameof(routes));
            }

            if (route.Node.Value is null)
            {
                throw new ArgumentException($"Partition '{route.Partition}' {route.Range} has no node (a default NodeId).", nameof(routes));
            }
        }

        Array.Sort(sorted, (a, b) => a.Range.Start.CompareTo(b.Range.Start));
        _indexById = new Dictionary<PartitionId, int>(sorted.Length);
        for (var i = 0; i < sorted.Length; i++)
        {
            if (!_indexById.TryAdd(sorted[i].Partition, i))
            {
                throw new ArgumentException($"Partition id '{sorted[i].Partition}' appears more than once in the routing map.", nameof(routes));
            }
        }

        KeySpaceCoverage.Check(sorted, r => r.Range, r => r.Partition.Value, nameof(routes));
        _routes = sorted;

        // Handed out read-only: the array itself, cast back, let a caller rewrite a route of a map every reader shares,
        // behind the coverage check and out of step with the starts the lookups search.
        _routesView = Array.AsReadOnly(sorted);
        _starts = Array.ConvertAll(sorted, r => r.Range.Start.Span.ToArray());
        _startPrefixes = Array.ConvertAll(_starts, s => Prefix(s));
        Version = version;
    }

    /// <summary>A map of version 0 with one partition over the whole key space.</summary>
    public static RoutingMap WholeKeySpace(PartitionId partition, NodeId node) => new([new PartitionRoute(partition, KeyRange.Full, node)], 0);

    /// <summary>A map of version 0 built from a cluster snapshot's partitions.</summary>
    public static RoutingMap FromSnapshot(ClusterSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        return new RoutingMap(snapshot.Partitions.Select(p => new PartitionRoute(p.Id, p.Range, p.Node)), snapshot.RoutingVersion);
    }

    /// <summary>The routing version; each published change increments it by one.</summary>
    public long Version { get; }

    /// <summary>The number of partitions.</summary>
    public int Count => _routes.Length;

    /// <summary>The routes ordered by range start.</summary>
    public IReadOnlyList<PartitionRoute> Routes => _routesView;

    /// <summary>The index (in <see cref="Routes"/>) of the partition that holds <paramref name="key"/>. Allocation-free, O(log n).</summary>
    public int IndexOf(ReadOnlySpan<byte> key)
    {
        // Find the last start <= key; starts[0] is the empty key, so the answer always exists. Keys are compared by
        // their first eight bytes as a big-endian integer first: when those differ they decide the order, and only
        // keys sharing a prefix pay for a full byte-wise comparison.
        var keyPrefix = Prefix(key);
        var prefixes = _startPrefixes;
        var low = 0;
        var high = prefixes.Length - 1;
        while (low < high)
        {
            var mid = (low + high + 1) >>> 1;
            var startPrefix = prefixes[mid];
            var startIsNotAfterKey = keyPrefix != startPrefix ? keyPrefix > startPrefix : key.SequenceCompareTo(_starts[mid]) >= 0;
            if (startIsNotAfterKey)
            {
                low = mid;
            }
            else
            {
                high = mid - 1;
            }
        }

        return low;
    }

    // The first eight bytes as a big-endian integer, zero-padded: a < b implies Prefix(a) <= Prefix(b).
    private static ulong Prefix(ReadOnlySpan<byte> key)
    {
        if (key.Length >= 8)
        {
            return System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(key);
        }

        Span<byte> padded = stackalloc byte[8];
        padded.Clear();
        key.CopyTo(padded);
        return System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(padded);
    }

    /// <summary>The route of the partition that holds <paramref name="key"/>. Allocation-free, O(log n).</summary>
    public PartitionRoute Route(ReadOnlySpan<byte> key) => _routes[IndexOf(key)];

    /// <summary>The route of the partition that holds <paramref name="key"/>.</summary>
    public PartitionRoute Route(ShardKey key) => Route(key.Span);

    /// <summary>True when the map has a partition with this id.</summary>
    public bool Contains(PartitionId partition) => _indexById.ContainsKey(partition);

    /// <summary>The route of the partition with this id.</summary>
    /// <exception cref="KeyNotFoundException">No such partition in this version.</exception>
    public PartitionRoute Get(PartitionId partition) =>
        _indexById.TryGetValue(partition, out var index)
            ? _routes[index]
            : throw new KeyNotFoundException($"Partition '{partition}' is not in routing version {Version}.");

    /// <summary>The index of the partition with this id in <see cref="Routes"/>, or -1.</summary>
    public int IndexOf(PartitionId partition) => _indexById.TryGetValue(partition, out var index) ? index : -1;

    /// <summary>
    /// Applies the changes in order and returns the map of the next version. All or nothing: when any change
    /// is invalid this map is unchanged (it is immutable) and no new map is returned.
    /// </summary>
    /// <exception cref="ArgumentException">A change names an unknown partition, a split key outside its partition, a merge of non-adjacent partitions or of partitions on different nodes, a move to the current owner, or an id already in use.</exception>
    public RoutingMap Apply(IEnumerable<RoutingChange> changes)
    {
        ArgumentNullException.ThrowIfNull(changes);
        var routes = new List<PartitionRoute>(_routes);
        foreach (var change in changes)
        {
            switch (change)
            {
                case SplitChange split:
                    ApplySplit(routes, split);
                    break;
                case MergeChange merge:
                    ApplyMerge(routes, merge);
                    break;
                case MoveChange move:
                    ApplyMove(routes, move);
                    break;
                case null:
                    throw new ArgumentException("A routing change must not be null.", nameof(changes));
                default:
                    throw new ArgumentException($"Unknown routing change type '{change.GetType().Name}'.", nameof(changes));
            }
        }

        return new RoutingMap(routes, Version + 1);
    }

    /// <summary>Applies the changes; see <see cref="Apply(IEnumerable{RoutingChange})"/>.</summary>
    public RoutingMap Apply(params RoutingChange[] changes) => Apply((IEnumerable<RoutingChange>)changes);

    private static int Find(List<PartitionRoute> routes, PartitionId id)
    {
        for (var i = 0; i < routes.Count; i++)
        {
            if (routes[i].Partition == id)
            {
                return i;
            }
        }

        throw new ArgumentException($"Partition '{id}' is not in the routing map.", nameof(id));
    }

    private static void EnsureNew(List<PartitionRoute> routes, PartitionId id)
    {
        if (routes.Exists(r => r.Partition == id))
        {
            throw new ArgumentException($"Partition id '{id}' is already in use in the routing map.", nameof(id));
        }
    }

    private static void ApplySplit(List<PartitionRoute> routes, SplitChange split)
    {
        ArgumentNullException.ThrowIfNull(split.SplitKeys, nameof(split.SplitKeys));
        ArgumentNullException.ThrowIfNull(split.NewPartitions, nameof(split.NewPartitions));
        var index = Find(routes, split.Partition);
        var parent = routes[index];
        if (split.SplitKeys.Count == 0)
        {
            throw new ArgumentException($"Splitting partition '{split.Partition}' needs at least one split key.", nameof(split));
        }

        if (split.NewPartitions.Count != split.SplitKeys.Count + 1)
        {
            throw new ArgumentException($"Splitting partition '{split.Partition}' at {split.SplitKeys.Count} keys needs {split.SplitKeys.Count + 1} new partition ids; got {split.NewPartitions.Count}.", nameof(split));
        }

        if (split.Nodes is { } nodes && nodes.Count != split.NewPartitions.Count)
        {
            throw new ArgumentException($"Splitting partition '{split.Partition}' into {split.NewPartitions.Count} needs as many nodes; got {nodes.Count}.", nameof(split));
        }

        var ranges = parent.Range.SplitAt(split.SplitKeys);
        var children = new PartitionRoute[ranges.Count];
        for (var i = 0; i < ranges.Count; i++)
        {
            var id = split.NewPartitions[i];
            if (id != split.Partition)
            {
                EnsureNew(routes, id);
            }

            if (Array.Exists(children, c => c is not null && c.Partition == id))
            {
                throw new ArgumentException($"New partition id '{id}' is given twice in the split of '{split.Partition}'.", nameof(split));
            }

            children[i] = new PartitionRoute(id, ranges[i], split.Nodes?[i] ?? parent.Node);
        }

        routes.RemoveAt(index);
        routes.InsertRange(index, children);
    }

    private static void ApplyMerge(List<PartitionRoute> routes, MergeChange merge)
    {
        var left = routes[Find(routes, merge.Left)];
        var rightIndex = Find(routes, merge.Right);
        var right = routes[rightIndex];
        if (left.Range.End is not { } end || end != right.Range.Start)
        {
            throw new ArgumentException($"Partitions '{merge.Left}' {left.Range} and '{merge.Right}' {right.Range} are not adjacent (left then right) and cannot be merged.", nameof(merge));
        }

        if (left.Node != right.Node)
        {
            throw new ArgumentException($"Partitions '{merge.Left}' (node '{left.Node}') and '{merge.Right}' (node '{right.Node}') are on different nodes; move one first.", nameof(merge));
        }

        if (merge.Merged != merge.Left && merge.Merged != merge.Right)
        {
            EnsureNew(routes, merge.Merged);
        }

        routes.Remove(left);
        routes.Remove(right);
        routes.Add(new PartitionRoute(merge.Merged, new KeyRange(left.Range.Start, right.Range.End), left.Node));
        routes.Sort((a, b) => a.Range.Start.CompareTo(b.Range.Start));
    }

    private static void ApplyMove(List<PartitionRoute> routes, MoveChange move)
    {
        var index = Find(routes, move.Partition);
        var route = routes[index];
        if (route.Node == move.To)
        {
            throw new ArgumentException($"Partition '{move.Partition}' is already on node '{move.To}'.", nameof(move));
        }

        routes[index] = route with { Node = move.To };
    }
}
