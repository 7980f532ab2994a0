using System.Globalization;
using PredictiveSharding.Planning;
using PredictiveSharding.Topology;

namespace EmbeddedEngine;

/// <summary>
/// Range ids from the engine's own counter, as a database's catalog allocates them (CockroachDB's range ids and TiKV's
/// region ids come from a counter): a split's children and a merge get the next numbers, so ids stay short however
/// often ranges split, instead of the planner's default names that grow with every split (<c>p7.1.0</c>). The planner
/// calls it from one thread at a time; the lock is for readers such as the sample's summary.
/// </summary>
internal sealed class RangeIdSequence(int first) : IPartitionIdSource
{
    private readonly Lock _lock = new();
    private readonly int _first = first;
    private int _next = first;

    /// <summary>Ids handed out so far.</summary>
    public int Allocated
    {
        get
        {
            lock (_lock)
            {
                return _next - _first;
            }
        }
    }

    public PartitionId SplitChild(PartitionId parent, int index, int ways) => Next();

    public PartitionId Merged(PartitionId left, PartitionId right) => Next();

    private PartitionId Next()
    {
        lock (_lock)
        {
            return new PartitionId("r" + (_next++).ToString(CultureInfo.InvariantCulture));
        }
    }
}
