using PredictiveSharding.Topology;

namespace PredictiveSharding.Simulation.Cluster;

/// <summary>A partition of the simulated cluster: the keys [Lo, Hi) of the sorted trace keys, on a node.</summary>
internal sealed class SimPartition
{
    public SimPartition(PartitionId id, int lo, int hi, int node, int createdAtStep, List<double> history)
    {
        Id = id;
        Lo = lo;
        Hi = hi;
        Node = node;
        CreatedAtStep = createdAtStep;
        ChangedAtStep = createdAtStep;
        History = history;
    }

    public PartitionId Id { get; }

    public int Lo { get; }

    public int Hi { get; }

    public int KeyCount => Hi - Lo;

    /// <summary>The node that serves it (a running move switches this when it completes).</summary>
    public int Node { get; set; }

    /// <summary>The step it came into being (0 for the initial partitions, the split step for children).</summary>
    public int CreatedAtStep { get; }

    /// <summary>The last step a move of it started or finished, for cooldowns: a split child inherits its parent's, and the initial partitions start at 0.</summary>
    public int ChangedAtStep { get; set; }

    /// <summary>True while a move of it runs.</summary>
    public bool Moving { get; set; }

    /// <summary>Its requests at every replayed step, from step 0 (for a child: what its keys received before the split).</summary>
    public List<double> History { get; }

    /// <summary>Its requests at the last replayed step (0 before any).</summary>
    public double LastLoad => History.Count == 0 ? 0 : History[^1];
}
