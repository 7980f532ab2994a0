using PredictiveSharding.Moving;

namespace PredictiveSharding.Storage.RocksDb;

/// <summary>The outcome of a host range scan on a node.</summary>
/// <param name="Status"><see cref="StoreStatus.Ok"/> when the node owned the whole range for the whole scan; otherwise re-route.</param>
/// <param name="Entries">The entries in ascending key order (empty unless the status is <see cref="StoreStatus.Ok"/>).</param>
/// <param name="RoutingVersion">The routing version the node owned the range in; -1 when the cluster has no routing table.</param>
public sealed record StoreScanResult(StoreStatus Status, IReadOnlyList<KeyValueEntry> Entries, long RoutingVersion);
