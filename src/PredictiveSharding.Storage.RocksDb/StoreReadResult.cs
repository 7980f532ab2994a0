namespace PredictiveSharding.Storage.RocksDb;

/// <summary>The outcome of a host read on a node.</summary>
/// <param name="Status"><see cref="StoreStatus.Ok"/> when the node owned the key for the whole read; otherwise re-route.</param>
/// <param name="Value">The value, or null when the key is absent (or the status is not <see cref="StoreStatus.Ok"/>).</param>
/// <param name="RoutingVersion">The routing version the node owned the key in; -1 when the cluster has no routing table.</param>
public readonly record struct StoreReadResult(StoreStatus Status, ReadOnlyMemory<byte>? Value, long RoutingVersion)
{
    /// <summary>True when the node served the read and the key exists.</summary>
    public bool Found => Status == StoreStatus.Ok && Value is not null;
}
