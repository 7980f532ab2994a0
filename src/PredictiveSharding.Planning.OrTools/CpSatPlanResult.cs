namespace PredictiveSharding.Planning.OrTools;

/// <summary>A CP-SAT plan and what the solver proved about it.</summary>
public sealed class CpSatPlanResult
{
    internal CpSatPlanResult(ShardingPlan plan, bool provenOptimal, bool movedBytesProvenMinimal, double objectiveBound)
    {
        Plan = plan;
        ProvenOptimal = provenOptimal;
        MovedBytesProvenMinimal = movedBytesProvenMinimal;
        ObjectiveBound = objectiveBound;
    }

    /// <summary>The plan (placement only: move actions, never splits or merges).</summary>
    public ShardingPlan Plan { get; }

    /// <summary>
    /// True when CP-SAT proved that no placement of these partitions within the move budget and cooldowns has a lower
    /// objective: the peak utilisation at the planning quantile plus 10 × any capacity overflow at the 0.99 quantile,
    /// measured on utilisation rounded to 1/100,000 of capacity per partition. False when the time limit stopped it first.
    /// </summary>
    public bool ProvenOptimal { get; }

    /// <summary>True when CP-SAT also proved that no placement with that objective moves fewer bytes.</summary>
    public bool MovedBytesProvenMinimal { get; }

    /// <summary>
    /// CP-SAT's lower bound on the objective (peak utilisation plus the overflow penalty, as a share of capacity);
    /// equal to the plan's objective when <see cref="ProvenOptimal"/>. NaN when the solver stopped before stating one.
    /// </summary>
    public double ObjectiveBound { get; }
}
