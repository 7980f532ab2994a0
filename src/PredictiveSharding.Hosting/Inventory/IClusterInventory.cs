using PredictiveSharding.Routing;
using PredictiveSharding.Topology;

namespace PredictiveSharding.Hosting.Inventory;

/// <summary>
/// What the host knows of its cluster beyond the routing map: the nodes with their capacities, and each partition's
/// size. The control loop asks for a snapshot at each cycle.
/// </summary>
public interface IClusterInventory
{
    /// <summary>Describes the cluster as the given routing version lays it out, with the key samples gathered for each partition.</summary>
    ValueTask<ClusterSnapshot> CaptureAsync(RoutingMap routing, IReadOnlyDictionary<PartitionId, IReadOnlyList<KeySample>> keySamples, CancellationToken cancellationToken);
}
