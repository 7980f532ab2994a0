namespace PredictiveSharding.Simulation.Strategies.Planned;

/// <summary>
/// The planned strategy's data-movement budget (<see cref="SimulationOptions.ReactiveByteBudget"/>): by any step it may
/// have moved at most <see cref="Factor"/> × what the reactive <see cref="Shadow"/> has moved by then, plus
/// <see cref="AllowanceBytes"/> (one round of move slots, so that it can act before the reactive balancer has moved at all),
/// and never more than the larger of <see cref="AllowanceCapMultiple"/> × <see cref="Factor"/> × the shadow's bytes and the
/// allowance alone.
/// </summary>
/// <remarks>
/// Why the cap: where the reactive balancer moves less than one round of move slots in the whole trace, the allowance on
/// top of its few moves is what took the strategy past twice its bytes. On the Azure Functions default at one key per
/// unit, reactive makes 3 moves, the allowance is 4 initial partitions, and the strategy moved 2.29 × reactive's bytes
/// where every strategy overloads alike (one function hotter than a node). With the cap the allowance still lets the
/// strategy act before reactive has moved; once reactive has moved half a round it adds at most as much again as reactive
/// has moved, and once reactive has moved a round the cap no longer binds.
/// </remarks>
/// <param name="Shadow">The reactive balancer replayed beside the strategy.</param>
/// <param name="Factor">The multiple of the shadow's bytes allowed; positive.</param>
/// <param name="AllowanceBytes">Bytes allowed on top; zero or more.</param>
internal sealed record ReactiveByteBudget(ReactiveShadow Shadow, double Factor, double AllowanceBytes)
{
    /// <summary>The multiple of <see cref="Factor"/> × the shadow's bytes that the allowance may not take the budget past (unless the allowance alone is larger).</summary>
    public const double AllowanceCapMultiple = 2;

    /// <summary>The bytes a plan made before <paramref name="step"/> may still move, given the bytes already moved; never negative.</summary>
    public async ValueTask<long> RemainingAsync(int step, long movedBytes, CancellationToken cancellationToken)
    {
        var shadow = await Shadow.BytesMovedByAsync(step, cancellationToken).ConfigureAwait(false);
        var remaining = Allowed(shadow) - movedBytes;
        return remaining <= 0 ? 0 : remaining >= long.MaxValue / 2 ? long.MaxValue / 2 : (long)remaining;
    }

    /// <summary>The bytes the strategy may have moved in all once the shadow has moved <paramref name="shadowBytes"/>.</summary>
    public double Allowed(double shadowBytes) =>
        Math.Min((Factor * shadowBytes) + AllowanceBytes, Math.Max(AllowanceCapMultiple * Factor * shadowBytes, AllowanceBytes));
}
