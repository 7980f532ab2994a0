namespace PredictiveSharding.Simulation.Strategies.Planned;

/// <summary>
/// The planned strategy's data-movement budget (<see cref="SimulationOptions.ReactiveByteBudget"/>): by any step it may
/// have moved at most <see cref="Factor"/> × what the reactive <see cref="Shadow"/> has moved by then, plus
/// <see cref="AllowanceBytes"/> (one round of move slots, so that it can act before the reactive balancer has moved at all).
/// </summary>
/// <param name="Shadow">The reactive balancer replayed beside the strategy.</param>
/// <param name="Factor">The multiple of the shadow's bytes allowed; positive.</param>
/// <param name="AllowanceBytes">Bytes allowed on top; zero or more.</param>
internal sealed record ReactiveByteBudget(ReactiveShadow Shadow, double Factor, double AllowanceBytes)
{
    /// <summary>The bytes a plan made before <paramref name="step"/> may still move, given the bytes already moved; never negative.</summary>
    public async ValueTask<long> RemainingAsync(int step, long movedBytes, CancellationToken cancellationToken)
    {
        var shadow = await Shadow.BytesMovedByAsync(step, cancellationToken).ConfigureAwait(false);
        var remaining = (Factor * shadow) + AllowanceBytes - movedBytes;
        return remaining <= 0 ? 0 : remaining >= long.MaxValue / 2 ? long.MaxValue / 2 : (long)remaining;
    }
}
