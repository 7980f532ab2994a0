namespace PredictiveSharding.Simulation.Cluster;

/// <summary>The cluster every strategy of one run starts from and the rules they all obey.</summary>
/// <param name="Nodes">Nodes.</param>
/// <param name="NodeCapacity">Requests per step a node serves without overload.</param>
/// <param name="InitialPartitions">Initial partitions (equal key counts, round-robin).</param>
/// <param name="BytesPerKey">Stored bytes per key.</param>
/// <param name="MoveBandwidthBytesPerStep">Bytes a move copies per step.</param>
/// <param name="MoveOverheadShare">Share of a moving partition's load added to both ends while it moves, for the share of each step the copy runs.</param>
/// <param name="MaxConcurrentMoves">Moves that may run at once.</param>
/// <param name="CooldownSteps">Steps a changed partition is left alone.</param>
/// <param name="WarmupSteps">Steps replayed before metrics start and strategies act.</param>
internal sealed record ClusterSetup(
    int Nodes,
    double NodeCapacity,
    int InitialPartitions,
    long BytesPerKey,
    double MoveBandwidthBytesPerStep,
    double MoveOverheadShare,
    int MaxConcurrentMoves,
    int CooldownSteps,
    int WarmupSteps);
