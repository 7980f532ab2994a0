namespace PredictiveSharding.Planning.Explain;

/// <summary>The first predicted crossing of a limit on a node: at which step, on which resource, by how much.</summary>
/// <param name="Node">Node index.</param>
/// <param name="Resource">Resource index.</param>
/// <param name="Step">Horizon step.</param>
/// <param name="Utilization">Load / capacity at that step.</param>
/// <param name="Limit">The limit crossed, as a share of capacity (the threshold, or 1 for capacity itself).</param>
/// <param name="Quantile">The forecast quantile the load is taken at.</param>
/// <param name="AtCapacity">True for a crossing of capacity itself (at the overflow quantile), false for a threshold.</param>
internal readonly record struct NodeBreach(int Node, int Resource, int Step, double Utilization, double Limit, double Quantile, bool AtCapacity);
