namespace PredictiveSharding.Planning.OrTools.Placement;

/// <summary>A node predicted to cross a limit: which resource, at which step, how far, at which quantile and against which limit.</summary>
internal sealed record Breach(int Node, int Resource, int Step, double Utilization, double Quantile, double Limit)
{
    /// <summary>True for an overflow of capacity at the overflow quantile, false for a threshold crossed at the planning quantile.</summary>
    public bool AgainstCapacity { get; init; }
}
