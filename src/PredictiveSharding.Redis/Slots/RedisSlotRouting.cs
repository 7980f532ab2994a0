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
    /// <exception cref="InvalidOperationException">A slot is not served by any master, or one is being migrated.</exception>
    public static async Task<RoutingMap> BuildRoutingMapAsync(IConnectionMultiplexer connection, int maxSlotsPerPartition, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        CheckMaxSlots(maxSlotsPerPartition);
        var view = await new RedisClusterAdmin(connection).ReadViewAsync(cancellationToken).ConfigureAwait(false);
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
