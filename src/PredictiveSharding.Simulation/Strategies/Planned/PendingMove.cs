using PredictiveSharding.Topology;

namespace PredictiveSharding.Simulation.Strategies.Planned;

/// <summary>A planned move waiting for a free move slot.</summary>
/// <param name="Partition">The partition or split child to move.</param>
/// <param name="FromNode">The source node's index when planned.</param>
/// <param name="ToNode">The target node's index.</param>
internal sealed record PendingMove(PartitionId Partition, int FromNode, int ToNode);
