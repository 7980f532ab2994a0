using System.Globalization;
using PredictiveSharding.Redis.Cluster;
using PredictiveSharding.Routing;
using PredictiveSharding.Topology;
using StackExchange.Redis;

namespace PredictiveSharding.Redis.Slots;

/// <summary>
/// Builds a routing map whose partitions are contiguous slot ranges of a Redis Cluster, owned by the master that serves
/// them (node ids are the masters' <c>host:port</c> addresses).
/// </summary>
public static class RedisSlotRouting
{
    /// <summary>
    /// Reads the cluster's slot assignment and returns a map of version 0: one partition per run of consecutive slots on
    /// one master, cut into partitions of at most <paramref name="maxSlotsPerPartition"/> slots so that the planner has
    /// units to move from the start (the cut is bookkeeping only; Redis does not see it).
    /// </summary>
    /// <param name="connection">A multiplexer connected to the cluster with admin commands allowed.</param>
    /// <param name="maxSlotsPerPartition">Largest partition, in slots; 1 to 16,384.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxSlotsPerPartition"/> is out of range.</exception>
    /// <exception cref="InvalidOperationException">A slot is not served by any master, or one is being migrated, or a master that serves slots did not answer its <c>CLUSTER NODES</c> (only its own line says which of its slots are open, so the map is refused until it answers or a replica has taken its slots over).</exception>
    public static async Task<RoutingMap> BuildRoutingMapAsync(IConnectionMultiplexer connection, int maxSlotsPerPartition, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        CheckMaxSlots(maxSlotsPerPartition);
        var view = await new RedisClusterAdmin(connection).ReadViewAsync(cancellationToken).ConfigureAwait(false);
        CheckEveryOwnerAnswered(view);
        var open = view.OpenSlots().ToList();
        if (open.Count > 0)
        {
            throw new InvalidOperationException($"Slots {string.Join(", ", open.Take(10))} are being migrated (open MIGRATING/IMPORTING state); finish or recover that move (RedisSlotMigrationExecutor.RecoverAsync) before building a routing map.");
        }

        var owners = new NodeId[HashSlot.Count];
        for (var slot = 0; slot < HashSlot.Count; slot++)
        {
            owners[slot] = view.OwnerOf(slot)?.NodeId
                ?? throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture, $"Hash slot {slot} is not served by any master; the cluster does not cover every slot."));
        }

        return FromOwners(owners, maxSlotsPerPartition);
    }

    /// <summary>
    /// Throws when a master that serves slots did not answer: a node reports its migrating and importing slots only on its
    /// own <c>CLUSTER NODES</c> line, so a slot it has open (a move whose other side is done, or was never marked) would be
    /// missed and mapped as settled. A silent master that serves nothing cannot put a slot in the map wrongly and is allowed.
    /// </summary>
    private static void CheckEveryOwnerAnswered(ClusterView view)
    {
        var served = new Dictionary<string, List<HashSlotRange>>(StringComparer.Ordinal);
        for (var slot = 0; slot < HashSlot.Count; slot++)
        {
            if (view.OwnerOf(slot) is { } owner && (view.Unreachable.Contains(owner.Address) || !view.Self.ContainsKey(owner.Address)))
            {
                var ranges = served.TryGetValue(owner.Address, out var list) ? list : served[owner.Address] = [];
                if (ranges.Count > 0 && ranges[^1].End == slot)
                {
                    ranges[^1] = new HashSlotRange(ranges[^1].Start, slot + 1);
                }
                else
                {
                    ranges.Add(new HashSlotRange(slot, slot + 1));
                }
            }
        }

        if (served.Count > 0)
        {
            var (address, ranges) = served.OrderBy(s => s.Key, StringComparer.Ordinal).First();
            var more = served.Count > 1 ? $" (nor did {string.Join(", ", served.Keys.Where(k => k != address).Order(StringComparer.Ordinal).Select(k => $"'{k}'"))})" : string.Empty;
            throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture, $"Master '{address}' serves slots {string.Join(", ", ranges.Take(5))}{(ranges.Count > 5 ? ", …" : string.Empty)} but did not answer CLUSTER NODES{more}; only its own line says which of its slots are being migrated, so no routing map is built while it is silent. Build it once it answers again or a replica has taken its slots over."));
        }
    }

    /// <summary>A map of version 0 from the owner of every slot (see <see cref="BuildRoutingMapAsync"/>).</summary>
    /// <param name="owners">The owner of each of the 16,384 slots.</param>
    /// <param name="maxSlotsPerPartition">Largest partition, in slots; 1 to 16,384.</param>
    /// <exception cref="ArgumentException"><paramref name="owners"/> does not have 16,384 entries.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxSlotsPerPartition"/> is out of range.</exception>
    public static RoutingMap FromOwners(IReadOnlyList<NodeId> owners, int maxSlotsPerPartition)
    {
        ArgumentNullException.ThrowIfNull(owners);
        CheckMaxSlots(maxSlotsPerPartition);
        if (owners.Count != HashSlot.Count)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"An owner is needed for each of the {HashSlot.Count} slots; got {owners.Count}."), nameof(owners));
        }

        var routes = new List<PartitionRoute>();
        var start = 0;
        for (var slot = 1; slot <= HashSlot.Count; slot++)
        {
            if (slot < HashSlot.Count && owners[slot] == owners[start] && slot - start < maxSlotsPerPartition)
            {
                continue;
            }

            var range = new HashSlotRange(start, slot);
            routes.Add(new PartitionRoute(PartitionIdOf(range), range.ToKeyRange(), owners[start]));
            start = slot;
        }

        return new RoutingMap(routes, 0);
    }

    /// <summary>The id given to a partition built from a slot range: <c>slots-first-last</c>.</summary>
    public static PartitionId PartitionIdOf(HashSlotRange range) =>
        new(string.Create(CultureInfo.InvariantCulture, $"slots-{range.Start}-{range.End - 1}"));

    private static void CheckMaxSlots(int maxSlotsPerPartition)
    {
        if (maxSlotsPerPartition is < 1 or > HashSlot.Count)
        {
            throw new ArgumentOutOfRangeException(nameof(maxSlotsPerPartition), maxSlotsPerPartition, $"maxSlotsPerPartition must be from 1 to {HashSlot.Count}; got {maxSlotsPerPartition}.");
        }
    }
}
