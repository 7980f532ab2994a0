namespace PredictiveSharding.Storage.RocksDb;

/// <summary>
/// Something that holds an iterator and a snapshot on a node's database across calls (a copy, a checksum scan); the node
/// releases every one still open before it closes the database.
/// </summary>
internal interface ISnapshotReader
{
    /// <summary>Frees the iterator and snapshot; the database must still be open. Idempotent.</summary>
    void Release();
}
