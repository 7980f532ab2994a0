namespace PredictiveSharding.Storage.RocksDb;

/// <summary>Whether a node served a host request or the caller must re-route it.</summary>
public enum StoreStatus
{
    /// <summary>The node owns the key(s) in the current routing version and served the request.</summary>
    Ok = 0,

    /// <summary>
    /// The node does not own the key(s) in the current routing version (the range moved, or the request was routed
    /// with an older version); nothing was written. Re-route with the current routing map and retry.
    /// </summary>
    NotOwner = 1,
}
