namespace PredictiveSharding.Simulation;

/// <summary>
/// Sizes the default forecaster's context and horizon to the warm-up it trains on, in steps whatever a step's length.
/// The LSTM learns from windows of context + horizon consecutive steps cut out of the warm-up: a window longer than the
/// warm-up cannot be cut at all (training fails and the strategy waits until the replay has produced enough history),
/// and one nearly as long leaves a handful of windows that all show the same few steps, so the model learns one slice
/// of time. The rule: context + horizon at most half the warm-up, so that at least half of the warm-up's steps start a
/// distinct window. When the defaults (the run's horizon, a context of max(24, horizon)) do not fit, both shrink in
/// their ratio: the horizon to no less than one step and one plan interval, the context to the rest, no less than one
/// step. For example, the 8-hour embedded trace at 5-minute steps has a warm-up of 28 steps: horizon 4 and context 10
/// instead of 12 and 24; at its own 1-minute steps (warm-up 144) the defaults fit and stay.
/// </summary>
internal static class WarmupSizing
{
    /// <summary>The context the default LSTM reads when the warm-up allows it (at least the horizon).</summary>
    public const int DefaultContextSteps = 24;

    /// <summary>
    /// The horizon the predictive strategy forecasts and plans with the default forecaster: <paramref name="horizonSteps"/>
    /// when the warm-up holds windows of the default context + that horizon, otherwise the horizon's share of half the
    /// warm-up, at least <paramref name="planEverySteps"/> (so that plans still cover the steps up to the next plan) and at
    /// most <paramref name="horizonSteps"/>.
    /// </summary>
    public static int Horizon(int warmupSteps, int horizonSteps, int planEverySteps)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(warmupSteps);
        ArgumentOutOfRangeException.ThrowIfLessThan(horizonSteps, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(planEverySteps, 1);
        var context = DefaultContext(horizonSteps);
        var budget = Budget(warmupSteps);
        if (context + horizonSteps <= budget)
        {
            return horizonSteps;
        }

        var share = (int)((long)budget * horizonSteps / (context + horizonSteps));
        return Math.Min(horizonSteps, Math.Max(Math.Max(1, planEverySteps), share));
    }

    /// <summary>
    /// The context for a forecast of <paramref name="horizonSteps"/>: the default (max(24, horizon)) when it fits with the
    /// horizon in half the warm-up, otherwise what half the warm-up leaves beside the horizon, at least one step.
    /// </summary>
    public static int Context(int warmupSteps, int horizonSteps)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(warmupSteps);
        ArgumentOutOfRangeException.ThrowIfLessThan(horizonSteps, 1);
        return Math.Clamp(Budget(warmupSteps) - horizonSteps, 1, DefaultContext(horizonSteps));
    }

    private static int DefaultContext(int horizonSteps) => Math.Max(DefaultContextSteps, horizonSteps);

    /// <summary>Context + horizon that leaves at least half of the warm-up's steps as window starts.</summary>
    private static int Budget(int warmupSteps) => warmupSteps / 2;
}
