using PredictiveSharding.Keys;
using PredictiveSharding.Moving;
using PredictiveSharding.Topology;

namespace PredictiveSharding.Storage.RocksDb.ChangeFeed;

/// <summary>A change capture open on a node: the caller's id, the internal number its log records are keyed by, and its range.</summary>
internal sealed class ActiveCapture
{
    public ActiveCapture(NodeId node, string id, ulong number, KeyRange range, long startSequence)
    {
        Number = number;
        Range = range;
        Handle = new ChangeCapture(id, node, range, startSequence);
    }

    public ulong Number { get; }

    public KeyRange Range { get; }

    public ChangeCapture Handle { get; }
}
