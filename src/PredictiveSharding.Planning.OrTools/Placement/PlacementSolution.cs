namespace PredictiveSharding.Planning.OrTools.Placement;

/// <summary>What the CP-SAT solve produced: the assignment and what the solver could prove about it.</summary>
/// <param name="Assignment">The node index of each partition.</param>
/// <param name="FoundSolution">False when CP-SAT found no placement in time and its starting point (the move-aware descent or greedy placement it was hinted with) is returned.</param>
/// <param name="PeakProvenOptimal">True when CP-SAT proved no placement within the constraints has a lower objective (peak plus overflow penalty).</param>
/// <param name="MovedBytesProvenMinimal">True when CP-SAT also proved no placement with that objective moves fewer bytes.</param>
/// <param name="ObjectiveBound">CP-SAT's lower bound on the objective, in utilisation units (peak + overflow penalty).</param>
/// <param name="Objective">The objective of the assignment in utilisation units, as CP-SAT's integer model measures it.</param>
internal sealed record PlacementSolution(int[] Assignment, bool FoundSolution, bool PeakProvenOptimal, bool MovedBytesProvenMinimal, double ObjectiveBound, double Objective);
