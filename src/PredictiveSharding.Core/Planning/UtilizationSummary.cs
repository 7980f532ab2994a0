using PredictiveSharding.Topology;

namespace PredictiveSharding.Planning;

/// <summary>
/// Predicted utilisation of a placement: the maximum over nodes, resources and horizon steps of the load at the
/// planning quantile divided by capacity, and where that maximum is.
/// </summary>
/// <param name="MaxUtilization">The maximum utilisation.</param>
/// <param name="Node">The node where it occurs.</param>
/// <param name="Resource">The resource.</param>
/// <param name="Step">The horizon step.</param>
public sealed record UtilizationSummary(double MaxUtilization, NodeId Node, ResourceKind Resource, int Step);
