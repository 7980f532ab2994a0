namespace PredictiveSharding.Cli.Formats;

/// <summary>plan.json: the plan a planner made, as the issue specifies it.</summary>
internal sealed class PlanDocument
{
    public bool Feasible { get; set; }

    public List<PlanActionDocument> Actions { get; set; } = [];

    public UtilizationDocument? Before { get; set; }

    public UtilizationDocument? After { get; set; }

    public long MovedBytes { get; set; }

    public long PlanMillis { get; set; }

    public bool StoppedAtTimeLimit { get; set; }

    public double Shortfall { get; set; }

    public List<string> Warnings { get; set; } = [];
}
