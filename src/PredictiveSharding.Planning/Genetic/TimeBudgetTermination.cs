namespace PredictiveSharding.Planning.Genetic;

/// <summary>Stops once the run has used its time budget (measured with the planner's TimeProvider).</summary>
internal sealed class TimeBudgetTermination(TimeSpan budget) : ITermination
{
    public string Name => "time budget";

    public bool HasReached(in GeneticState state) => state.Elapsed >= budget;
}
