using PredictiveSharding.Topology;

namespace PredictiveSharding.Simulation.Strategies.Planned;

/// <summary>A planned move waiting for its start step (the latest that still completes it before the predicted breach).</summary>
/// <param name="Partition">The partition or split child to move.</param>
/// <param name="FromNode">The source node's index when planned.</param>
/// <param name="ToNode">The target node's index.</param>
/// <param name="StartStep">The step to start it at (or as soon after as a move slot frees).</param>
internal sealed record PendingMove(PartitionId Partition, int FromNode, int ToNode, int StartStep);
