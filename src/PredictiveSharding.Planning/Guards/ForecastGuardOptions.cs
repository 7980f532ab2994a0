using System.Globalization;

namespace PredictiveSharding.Planning.Guards;

/// <summary>Which guards <see cref="ForecastGuard"/> applies to a forecast before planning, and their settings.</summary>
public sealed class ForecastGuardOptions
{
    /// <summary>
    /// Whether no forecast value (any quantile, any step) may fall below the partition's last measured load. A forecaster
    /// cannot foresee a surge that has not begun and tends to forecast a running one's decay too early; with the floor the
    /// plan reacts to what is already measured at least as fast as a reactive system would. Default false: in the
    /// trace-driven comparison it was tried and not shipped (it and a rescaling by the last steps' level moved up to
    /// 5–7 × the bytes), and the simulation's predictive strategy, whose figures the README reports, runs without it.
    /// </summary>
    public bool FloorAtLastLoad { get; set; }

    /// <summary>
    /// Whether the top forecast quantile (q0.99 and above) is raised to a burst bound: the partition's last load times the
    /// largest one-step growth the cluster has shown from a load at least as large (as a share of node capacity). Default true.
    /// </summary>
    public bool BoundBursts { get; set; } = true;

    /// <summary>
    /// The steps whose median is the level the burst bound grows from, and the growth it learns is measured from. 1 (the
    /// default) is the last measured load alone. A count over a short step (requests per minute) is a noisy level: the
    /// bound then jumps with every step's count, different nodes look as if they could overflow at every plan and the
    /// planner keeps moving partitions for insurance the trace never uses. A median over a few steps is a steadier level,
    /// at the price of a bound that follows a real rise later. Measured in the trace-driven comparison (README): 10 on the
    /// per-minute Azure trace at one key per function took the predictive strategy from 615 moves to 21 at the same
    /// overloaded minutes, but on the finer-keyed rows it left more overload (the embedded default 4 → 6 node-minutes) and
    /// on daily Wikipedia articles it pre-split too late; so it is a setting, not the default. At least 1.
    /// </summary>
    public int BurstLevelSteps { get; set; } = 1;

    /// <summary>
    /// Whether a partition known to hold a single key (<see cref="GuardedPartition.KeyCount"/> of 1) gets the burst bound
    /// too. Default true. The bound's insurance is bought by splitting a surge-prone range and spreading its pieces; a
    /// single key cannot be split, so its bound can only be insured by moving the key whole, and the bound travels with it:
    /// where every hot unit is one key (a function, a tenant, an article), the planner then keeps trading keys between
    /// nodes whose bounds overflow in turn. False leaves such a partition's forecast as the forecaster gave it. Measured in
    /// the trace-driven comparison (docs/measurements.md, session 19): at one key per trace series it cut the predictive
    /// strategy's moves on the per-minute Azure trace from 615 to 121 at the same overloaded minutes and the even Wikipedia
    /// articles' bytes from 5.5–6.4 × reactive's to 0.03–0.06 × (seeds 1, 3, 5); but where a hot range was
    /// split down to single keys that surge together (Wikipedia at 16 keys per article) those pieces lost their insurance
    /// (the even articles 2,880 → 11,520 and 10,080 node-minutes on seeds 1 and 5, against reactive's 8,640), so it is a
    /// setting, not the default. By default <see cref="SingleKeyNeighbourCorrelation"/> leaves out only the single keys
    /// whose load moves with no neighbour's.
    /// </summary>
    public bool BoundSingleKeyBursts { get; set; } = true;

    /// <summary>
    /// With <see cref="BoundSingleKeyBursts"/>, which single-key partitions keep the bound: those whose load moves with a
    /// neighbour's in key order — the Pearson correlation of the step-to-step changes of the two partitions' last 24 steps
    /// at least this — or whose key range (<see cref="GuardedPartition.Range"/>), neighbours or history is unknown or too
    /// short to judge, or flat over those steps. Default 0.9. Why: the pieces of a range that surges together (a
    /// tenant's rows, a time-ordered table's newest keys) rise and fall together, and spreading them before a surge is
    /// the insurance the bound buys; a key that is hot on its own (a function, an article, a celebrity's row) moves with no
    /// neighbour, cannot be split, and its bound mostly trades it between nodes. −1 bounds every single key (the behaviour
    /// before this setting). In the simulation a trace key fanned out to several keys (<c>--key-fanout</c>) shares its
    /// requests equally among them, so its pieces correlate perfectly and keep their bound: every fan-out-16 row of the
    /// trace-driven comparison is unchanged by it. At one key per trace series (docs/measurements.md, session 20) it cut
    /// the predictive strategy's bytes on the per-minute Azure trace from 45 to 12 × reactive's and on the even Wikipedia
    /// articles from 6.4 to 0.11 ×, at the same overload within a node-step; it also gives up insurance that random
    /// single-key bursts use (a synthetic hourly trace: 360 → 420 node-minutes on one seed, 420 → 360 and 360 → 120 on
    /// two others). From −1 to 1.
    /// </summary>
    public double SingleKeyNeighbourCorrelation { get; set; } = 0.9;

    /// <summary>
    /// The consecutive steps a partition's measured load must stay above the forecast before the forecast is raised to it:
    /// when the least of the last this many loads exceeds twice the forecaster's 0.9 quantile for the next step (and is at
    /// least 5% of its node's capacity), every forecast value of the partition is raised to that least load. A forecaster that
    /// has learnt that jumps mostly revert keeps forecasting the old level of a load that stepped up and stayed up, for as
    /// long as its context holds mostly old steps, and the planner sees no breach on a node that is over capacity step
    /// after step; this acts on the held level as a reactive system would, while a one-step spike (which does revert)
    /// moves nothing, and neither does a load a little above the forecast, which the forecaster is following. Null (the
    /// default) turns it off. At least 1 (1 raises to any last load twice the forecast: as <see cref="FloorAtLastLoad"/>,
    /// but only where the forecaster plainly missed it).
    /// </summary>
    public int? LevelShiftSteps { get; set; }

    /// <summary>
    /// The shortest period (in steps) of a partition's own past that raises its median forecast and above to the least
    /// load at the same phase in each of the last three periods; null (the default) turns the seasonal floor off. Set it
    /// above the forecaster's context (and the horizon): shorter periods are the forecaster's to see. At least 2.
    /// </summary>
    public int? SeasonalMinPeriod { get; set; }

    /// <summary>
    /// The most recent steps searched for a period. The search costs about window² / 4 operations per partition and
    /// finds periods up to a quarter of the window (three periods back and one to score them on), so a
    /// <see cref="SeasonalMinPeriod"/> above that raises nothing: <see cref="ForecastGuard"/> logs a warning naming both
    /// (a control loop refuses the pair). Default 512.
    /// </summary>
    public int SeasonalWindow { get; set; } = 512;

    /// <summary>
    /// The longest period <see cref="SeasonalWindow"/> can show: a quarter of it (three periods back and one to score them
    /// on). A <see cref="SeasonalMinPeriod"/> above it turns the seasonal floor off.
    /// </summary>
    public int LongestSeasonalPeriod => SeasonalWindow / (SeasonalFloor.Cycles + 1);

    /// <summary>Throws when a setting is out of range, naming it and its value.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A setting is out of range.</exception>
    public void Validate()
    {
        if (SeasonalMinPeriod is { } period && period < 2)
        {
            throw Bad(nameof(SeasonalMinPeriod), period, "at least 2 (or null for no seasonal floor)");
        }

        if (LevelShiftSteps is { } shiftSteps && shiftSteps < 1)
        {
            throw Bad(nameof(LevelShiftSteps), shiftSteps, "at least 1 (or null for no level-shift floor)");
        }

        if (BurstLevelSteps < 1)
        {
            throw Bad(nameof(BurstLevelSteps), BurstLevelSteps, "at least 1");
        }

        if (!(SingleKeyNeighbourCorrelation >= -1 && SingleKeyNeighbourCorrelation <= 1))
        {
            throw Bad(nameof(SingleKeyNeighbourCorrelation), SingleKeyNeighbourCorrelation, "from -1 to 1");
        }

        if (SeasonalWindow < 1)
        {
            throw Bad(nameof(SeasonalWindow), SeasonalWindow, "at least 1");
        }
    }

    /// <summary>A copy, so that a guard's settings cannot change under it.</summary>
    internal ForecastGuardOptions Clone() => (ForecastGuardOptions)MemberwiseClone();

    private static ArgumentOutOfRangeException Bad(string name, object value, string expected) =>
        new(name, value, string.Create(CultureInfo.InvariantCulture, $"ForecastGuardOptions.{name} must be {expected}; got {value}."));
}
