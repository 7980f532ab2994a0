namespace PredictiveSharding.Execution;

/// <summary>The kind of a plan action.</summary>
public enum ActionKind
{
    /// <summary>A split; its shards stay on the node, so only routing changes.</summary>
    Split = 0,

    /// <summary>A merge of two adjacent partitions on one node; only routing changes.</summary>
    Merge = 1,

    /// <summary>A move of a partition's data and ownership to another node.</summary>
    Move = 2,
}
