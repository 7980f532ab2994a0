using System.Globalization;
using PredictiveSharding.Hosting.Inventory;
using PredictiveSharding.Redis.Cluster;
using PredictiveSharding.Redis.Slots;
using PredictiveSharding.Redis.Telemetry;
using PredictiveSharding.Routing;
using PredictiveSharding.Topology;
using StackExchange.Redis;

namespace PredictiveSharding.Redis.Inventory;

/// <summary>
/// The control loop's view of a Redis Cluster: its masters with their capacities, and each slot-range partition's key
/// count (<c>CLUSTER COUNTKEYSINSLOT</c> summed over its slots) and size (keys × the master's dataset bytes per key from
/// <c>INFO memory</c>).
/// </summary>
/// <remarks>
/// A master that <c>CLUSTER NODES</c> flags as failing, <c>fail</c> (the cluster agreed it is down) or <c>fail?</c> (the
/// answering node suspects it, PFAIL), is not listed as a node, so the planner cannot choose it as a move's target: a
/// move to a master that may be down fails part way and is rolled back, or leaves a slot open until the master returns.
/// The suspicion counts too because it is how every failure starts and often clears within a node timeout; the master is
/// offered again by the first capture after the flag clears. A master no node flags yet but that does not answer the
/// capture's <c>CLUSTER NODES</c> or <c>INFO</c> within <see cref="RedisClusterInventoryOptions.ReachabilityTimeout"/> (or
/// refuses the connection) counts as failing too: for a node timeout after a crash no flag says so. While such a master still serves a partition the snapshot
/// cannot leave it out, and <see cref="CaptureAsync"/> throws instead (the control loop records a failed cycle and tries
/// again at the next one).
/// </remarks>
public sealed class RedisClusterInventory : IClusterInventory
{
    private readonly RedisClusterAdmin _admin;
    private readonly RedisClusterInventoryOptions _options;
    private readonly RedisNodeMetricsReader _metrics;

    /// <summary>Creates the inventory.</summary>
    /// <param name="connection">A multiplexer connected to the cluster with admin commands allowed.</param>
    /// <param name="options">Capacities; copied and validated here, so changing them afterwards does not affect this inventory.</param>
    /// <param name="timeProvider">The clock metric rates are measured with.</param>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    /// <exception cref="ArgumentException">A region of <see cref="RedisClusterInventoryOptions.Regions"/> is null.</exception>
    public RedisClusterInventory(IConnectionMultiplexer connection, RedisClusterInventoryOptions options, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(options);

        // A copy, validated: the settings are read at every capture, and a change to the caller's object afterwards
        // (unvalidated: a negative capacity) must not reach the snapshots.
        options = options.Copy();
        options.Validate();
        _admin = new RedisClusterAdmin(connection);
        _options = options;
        _metrics = new RedisNodeMetricsReader(connection, timeProvider);
    }

    /// <summary>The node metrics read by the last <see cref="CaptureAsync"/>, one per reachable master.</summary>
    public IReadOnlyList<RedisNodeMetrics> LastMetrics { get; private set; } = [];

    /// <inheritdoc />
    /// <exception cref="InvalidOperationException">The routing map does not match the cluster: a partition's slots are served by another master than the map says (the cluster was resharded behind the map's back; rebuild it with <see cref="RedisSlotRouting.BuildRoutingMapAsync"/>). Or a master the map puts a partition on is flagged <c>fail</c> or <c>fail?</c>, or does not answer within <see cref="RedisClusterInventoryOptions.ReachabilityTimeout"/> (its <c>CLUSTER NODES</c>, <c>INFO</c>, or the <c>CLUSTER COUNTKEYSINSLOT</c> of a partition it serves, which names the master and the partition): nothing is planned until it answers again or a replica takes its slots over.</exception>
    public async ValueTask<ClusterSnapshot> CaptureAsync(RoutingMap routing, IReadOnlyDictionary<PartitionId, IReadOnlyList<KeySample>> keySamples, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(routing);
        ArgumentNullException.ThrowIfNull(keySamples);
        // Each master's CLUSTER NODES and INFO, bounded by the reachability timeout, are the reachability check: a master
        // that answered neither in time is treated as failing (see the remarks).
        var view = await _admin.ReadViewAsync(cancellationToken, _options.ReachabilityTimeout).ConfigureAwait(false);
        var metrics = await _metrics.ReadAsync(view, _options.ReachabilityTimeout, cancellationToken).ConfigureAwait(false);
        LastMetrics = metrics;
        var byNode = metrics.ToDictionary(m => m.Node.Value, StringComparer.Ordinal);

        var nodes = new List<NodeInfo>();
        foreach (var master in view.Masters)
        {
            var silent = !byNode.ContainsKey(master.Address);
            if (master.IsFailing || silent)
            {
                // Not a place to move partitions to (see the remarks); one that still serves partitions must be listed
                // as their owner, so nothing can be planned while it is down.
                CheckServesNothing(routing, master);
                continue;
            }

            var capacity = new Dictionary<ResourceKind, double> { [ResourceKind.Requests] = _options.RequestCapacityPerBucket };
            var memory = _options.MemoryCapacityBytes ?? (byNode.TryGetValue(master.Address, out var m) ? m.MaxMemoryBytes : 0);
            if (memory > 0)
            {
                capacity[ResourceKind.MemoryBytes] = memory;
            }

            nodes.Add(new NodeInfo(master.NodeId, capacity, _options.Regions.GetValueOrDefault(master.Address, string.Empty)));
        }

        var partitions = new List<PartitionInfo>(routing.Count);
        foreach (var route in routing.Routes)
        {
            var slots = HashSlotRange.FromKeyRange(route.Range);
            CheckOwner(view, route, slots);
            var keys = await CountKeysAsync(view, route, slots, cancellationToken).ConfigureAwait(false);
            var bytesPerKey = byNode.TryGetValue(route.Node.Value, out var nodeMetrics) ? nodeMetrics.BytesPerKey : 0;
            partitions.Add(new PartitionInfo(route.Partition, route.Range, route.Node, (long)(keys * bytesPerKey), keys)
            {
                KeySamples = keySamples.TryGetValue(route.Partition, out var samples) ? samples : [],
            });
        }

        return new ClusterSnapshot(nodes, partitions, routing.Version);
    }

    private void CheckServesNothing(RoutingMap routing, Cluster.ClusterNode master)
    {
        var serving = routing.Routes.Where(r => r.Node.Value == master.Address).Select(r => r.Partition.Value).ToList();
        if (serving.Count > 0)
        {
            var state = master.IsFailing
                ? $"is flagged '{string.Join(',', master.Flags.Order(StringComparer.Ordinal))}' in CLUSTER NODES"
                : string.Create(CultureInfo.InvariantCulture, $"did not answer within the reachability timeout ({_options.ReachabilityTimeout.TotalMilliseconds:0.###} ms), though no node flags it failing yet");
            throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture, $"Master '{master.Address}' {state} and serves {serving.Count} partition(s) ({string.Join(", ", serving.Take(5))}{(serving.Count > 5 ? ", …" : string.Empty)}); nothing can be planned while it may be down. Capture again once it answers or a replica has taken its slots over (then rebuild the routing map with RedisSlotRouting.BuildRoutingMapAsync)."));
        }
    }

    private static void CheckOwner(ClusterView view, PartitionRoute route, HashSlotRange slots)
    {
        if (view.ByAddress(route.Node.Value) is null)
        {
            throw new InvalidOperationException($"Partition '{route.Partition}' is on node '{route.Node}', which is not a master of the cluster (masters: {string.Join(", ", view.Masters.Select(m => m.Address))}).");
        }

        for (var slot = slots.Start; slot < slots.End; slot++)
        {
            var owner = view.OwnerOf(slot);
            if (owner is null || owner.Address != route.Node.Value)
            {
                throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture, $"The routing map puts partition '{route.Partition}' (slots {slots}) on '{route.Node}', but slot {slot} is served by '{owner?.Address ?? "no master"}'; the cluster was resharded outside this routing map. Rebuild the map with RedisSlotRouting.BuildRoutingMapAsync."));
            }
        }
    }

    private async Task<long> CountKeysAsync(ClusterView view, PartitionRoute route, HashSlotRange slots, CancellationToken cancellationToken)
    {
        var address = route.Node.Value;
        if (slots.IsEmpty || view.Unreachable.Contains(address))
        {
            return 0;
        }

        // One pipelined round: the multiplexer writes every COUNTKEYSINSLOT before the first reply is read. Each reply is
        // bounded by the reachability timeout like the capture's CLUSTER NODES and INFO: a master that answered those and
        // then hung kept the capture (and the control loop's cycle) waiting for good, or for the multiplexer's own timeout.
        var counts = new Task<long>[slots.Count];
        for (var i = 0; i < counts.Length; i++)
        {
            counts[i] = _admin.CountKeysInSlotAsync(address, slots.Start + i, _options.ReachabilityTimeout, cancellationToken);
        }

        long[] answers;
        try
        {
            answers = await Task.WhenAll(counts).ConfigureAwait(false);
        }
        catch (Exception e) when (RedisClusterAdmin.IsUnreachable(e) && !cancellationToken.IsCancellationRequested)
        {
            // It serves the partition, so it cannot be left out of the snapshot as a silent master with no partition is.
            throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture, $"Master '{address}' answered CLUSTER NODES and INFO but not CLUSTER COUNTKEYSINSLOT for partition '{route.Partition}' (slots {slots}) within the reachability timeout ({_options.ReachabilityTimeout.TotalMilliseconds:0.###} ms): {e.Message} Nothing can be planned while it may be down or hung; the next capture tries again (raise RedisClusterInventoryOptions.ReachabilityTimeout if it is only slow under load)."), e);
        }

        long total = 0;
        foreach (var count in answers)
        {
            total += count;
        }

        return total;
    }
}
