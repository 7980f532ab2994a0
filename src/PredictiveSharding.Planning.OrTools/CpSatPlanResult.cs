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
    /// objective: the peak utilisation at the planning quantile relative to the thresholds plus 10 × the nodes' capacity
    /// overflow at the 0.99 quantile, measured on utilisation rounded to 1/100,000 of the threshold per partition.
    /// False when a time limit stopped it first, or when the cluster was already under its thresholds and not re-planned.
    /// </summary>
    public bool ProvenOptimal { get; }

    /// <summary>True when CP-SAT also proved that no placement with that objective moves fewer bytes.</summary>
    public bool MovedBytesProvenMinimal { get; }

    /// <summary>
    /// CP-SAT's lower bound on the objective (peak utilisation relative to the thresholds plus the overflow penalty);
    /// equal to the plan's objective when <see cref="ProvenOptimal"/>. NaN when the solver did not run or stated none.
    /// </summary>
    public double ObjectiveBound { get; }
}
