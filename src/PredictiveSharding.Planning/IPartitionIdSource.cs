using PredictiveSharding.Topology;

namespace PredictiveSharding.Planning;

/// <summary>
/// Names the partitions a plan creates (<see cref="GeneticPlannerOptions.PartitionIds"/>). Without one the planner names a
/// split's children after their parent (<c>p7.0</c>, <c>p7.1</c>) and a merge after both halves (<c>p7.0+p7.1</c>), so ids
/// grow with every split and merge; a host whose catalog allocates range ids (as CockroachDB's range ids or TiKV's region
/// ids come from a counter) supplies them here instead.
/// </summary>
/// <remarks>
/// Called only while a plan is made, from one thread at a time per planner. An id that is already a partition of the
/// cluster, or that this plan already gave out, is made unique by appending <c>~2</c>, <c>~3</c>, …; a source that draws
/// from the host's own sequence never meets that. A proposed plan that is not executed may leave ids drawn but unused.
/// </remarks>
public interface IPartitionIdSource
{
    /// <summary>The id of child <paramref name="index"/> (0-based, in key order) of <paramref name="ways"/> that splitting <paramref name="parent"/> creates.</summary>
    PartitionId SplitChild(PartitionId parent, int index, int ways);

    /// <summary>The id of the partition that merging <paramref name="left"/> and its right neighbour <paramref name="right"/> creates.</summary>
    PartitionId Merged(PartitionId left, PartitionId right);
}
