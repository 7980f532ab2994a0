namespace PredictiveSharding.Planning.Genetic;

/// <summary>Stops when any of its terminations does; remembers which one.</summary>
internal sealed class AnyTermination(params ITermination[] terminations) : ITermination
{
    public string Name => Reached?.Name ?? "none";

    /// <summary>The termination that stopped the run, once one has.</summary>
    public ITermination? Reached { get; private set; }

    public bool HasReached(in GeneticState state)
    {
        foreach (var termination in terminations)
        {
            if (termination.HasReached(state))
            {
                Reached = termination;
                return true;
            }
        }

        return false;
    }
}
