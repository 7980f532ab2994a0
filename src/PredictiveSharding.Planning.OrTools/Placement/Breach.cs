namespace PredictiveSharding.Planning.OrTools.Placement;

/// <summary>A node predicted to cross a limit: which resource, at which step, how far, at which quantile and against which limit.</summary>
internal sealed record Breach(int Node, int Resource, int Step, double Utilization, double Quantile, double Limit);
