namespace PredictiveSharding.Storage.RocksDb;

/// <summary>The outcome of a host write on a node.</summary>
/// <param name="Status"><see cref="StoreStatus.Ok"/> when the write is durable in the node's write-ahead log (acknowledged); <see cref="StoreStatus.NotOwner"/> when nothing was written.</param>
/// <param name="RoutingVersion">The routing version the node checked ownership against; -1 when the cluster has no routing table.</param>
public readonly record struct StoreWriteResult(StoreStatus Status, long RoutingVersion)
{
    /// <summary>True when the write was applied and acknowledged.</summary>
    public bool Applied => Status == StoreStatus.Ok;
}
