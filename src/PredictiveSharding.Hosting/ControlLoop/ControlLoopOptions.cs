using System.Globalization;
using PredictiveSharding.Planning;
using PredictiveSharding.Planning.Guards;
using PredictiveSharding.Topology;

namespace PredictiveSharding.Hosting.ControlLoop;

/// <summary>
/// Settings of the control loop. Defaults suit a one-minute bucket and an hour's look-ahead. A
/// <see cref="ShardingControlLoop"/> copies and validates them when created: changing this object afterwards does not
/// affect it.
/// </summary>
public sealed class ControlLoopOptions
{
    /// <summary>
    /// Time between cycles (harvest, forecast, plan, execute), from 1 ms to 49.7 days. Default 1 minute; match the
    /// recorder's bucket length (<c>LoadRecorderOptions.BucketLength</c>). Another value is allowed (a host may mean a
    /// loop faster or slower than its buckets), but the hosted loop then logs a warning naming both at start (event 1011).
    /// </summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Steps (buckets) to forecast and plan over. Default 60.</summary>
    public int Horizon { get; set; } = 60;

    /// <summary>Buckets of history needed before the forecaster is first trained; until then cycles only observe. Default 240.</summary>
    public int WarmupBuckets { get; set; } = 240;

    /// <summary>Buckets of history kept per partition (older ones are dropped). Default 10,080 (a week of minutes).</summary>
    public int MaxHistoryBuckets { get; set; } = 10_080;

    /// <summary>Retrain from scratch every this many cycles (between them the forecaster is fine-tuned). Default 1,440; 0 never retrains.</summary>
    public int RetrainEveryCycles { get; set; } = 1_440;

    /// <summary>When false the loop plans but does not execute (a dry run that logs and meters its plans). Default true.</summary>
    public bool Execute { get; set; } = true;

    /// <summary>The host's planning policy (thresholds, budgets, cooldowns).</summary>
    public PlanningConstraints Constraints { get; set; } = new();

    /// <summary>
    /// When true (the default) and <see cref="Constraints"/> sets no <see cref="PlanningConstraints.MaxMovesPerPlan"/>, each
    /// plan carries at most <see cref="PlanningConstraints.MaxConcurrentMoves"/> moves: one wave, which the cycle carries
    /// out before it plans again on a fresher forecast. Why: the planner then chooses the few moves that relieve the
    /// predicted breaches most instead of a long list whose later moves run on an ever older forecast (small split pieces
    /// fit a byte budget many times over). The simulation's predictive strategy caps its plans the same way, at the moves
    /// that can start before its next plan. False leaves the number of moves to the byte budget alone.
    /// </summary>
    public bool CapMovesPerCycle { get; set; } = true;

    /// <summary>
    /// The guards applied to each forecast before it is planned on (<see cref="Planning.Guards.ForecastGuard"/>). Default:
    /// the burst bound on, the last-load floor and the seasonal floor off (as in the simulation's predictive strategy). Set
    /// <see cref="ForecastGuardOptions.SeasonalMinPeriod"/> above the forecaster's context (and <see cref="Horizon"/>) to
    /// raise the median forecast of partitions whose own past shows a longer period; the loop cannot know the
    /// forecaster's context, so it does not choose one.
    /// </summary>
    public ForecastGuardOptions ForecastGuard { get; set; } = new();

    /// <summary>
    /// Whether the burst bound (<see cref="ForecastGuardOptions.BoundBursts"/>) also learns the one-step growth of the key
    /// ranges the routing map had at the loop's first cycle, each summed over whatever partitions hold its keys now, not
    /// only of the partitions there are. Default true. Without it the evidence depends on the host's own cuts: a
    /// load-based split keeps its pieces below the 5% of a node a growth must start from to count, so the surges of a
    /// range it has cut teach nothing. The simulation's predictive strategy does the same
    /// (<c>SimulationOptions.GrowthFromInitialRanges</c>; docs/measurements.md, session 39).
    /// </summary>
    public bool GrowthFromInitialRanges { get; set; } = true;

    /// <summary>Throws when a setting is out of range, naming it and its value.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A setting is out of range.</exception>
    /// <exception cref="ArgumentNullException"><see cref="Constraints"/> or <see cref="ForecastGuard"/> is null.</exception>
    public void Validate()
    {
        // The loop's PeriodicTimer takes whole milliseconds from 1 to uint.MaxValue - 1 (about 49.7 days).
        if (Interval < TimeSpan.FromMilliseconds(1) || Interval >= TimeSpan.FromMilliseconds(uint.MaxValue))
        {
            throw Bad(nameof(Interval), Interval, "from 1 ms to 49.7 days");
        }

        if (Horizon < 1)
        {
            throw Bad(nameof(Horizon), Horizon, "at least 1");
        }

        if (WarmupBuckets < 1)
        {
            throw Bad(nameof(WarmupBuckets), WarmupBuckets, "at least 1");
        }

        if (MaxHistoryBuckets < WarmupBuckets)
        {
            throw Bad(nameof(MaxHistoryBuckets), MaxHistoryBuckets, $"at least WarmupBuckets ({WarmupBuckets})");
        }

        if (RetrainEveryCycles < 0)
        {
            throw Bad(nameof(RetrainEveryCycles), RetrainEveryCycles, "zero or more");
        }

        // Named with the class, as the other settings are: a configuration section can bind to null, and the bare
        // "Value cannot be null. (Parameter 'Constraints')" did not say whose setting it was.
        if (Constraints is null)
        {
            throw new ArgumentNullException(nameof(Constraints), "ControlLoopOptions.Constraints must be set; got null.");
        }

        Constraints.Validate();
        if (ForecastGuard is null)
        {
            throw new ArgumentNullException(nameof(ForecastGuard), "ControlLoopOptions.ForecastGuard must be set; got null.");
        }

        ForecastGuard.Validate();
        if (ForecastGuard.SeasonalMinPeriod is { } period && period <= Horizon)
        {
            // A period no longer than the horizon would floor forecast steps a period ahead with loads not yet measured.
            throw Bad("ForecastGuard.SeasonalMinPeriod", period, $"greater than Horizon ({Horizon})");
        }

        // The period search shows periods up to a quarter of its window: a longer minimum turned the floor off silently.
        // Refused here, where the host set both; the guard itself only warns (the simulation derives the pair).
        if (ForecastGuard.SeasonalMinPeriod is { } minPeriod && minPeriod > ForecastGuard.LongestSeasonalPeriod)
        {
            throw Bad("ForecastGuard.SeasonalMinPeriod", minPeriod, $"at most a quarter of ForecastGuard.SeasonalWindow ({ForecastGuard.SeasonalWindow}), {ForecastGuard.LongestSeasonalPeriod}, the longest period the window can show");
        }
    }

    /// <summary>
    /// A copy for a loop to keep: the settings, and the constraints with their own thresholds dictionary (a record whose
    /// dictionary the host may still hold and change). <see cref="ForecastGuard"/> is still the caller's object; the loop
    /// replaces it with its guard's copy.
    /// </summary>
    internal ControlLoopOptions Copy()
    {
        var copy = (ControlLoopOptions)MemberwiseClone();
        if (Constraints is { UtilizationThresholds: { } thresholds })
        {
            copy.Constraints = Constraints with { UtilizationThresholds = new Dictionary<ResourceKind, double>(thresholds) };
        }

        return copy;
    }

    private static ArgumentOutOfRangeException Bad(string name, object value, string expected) =>
        new(name, value, string.Create(CultureInfo.InvariantCulture, $"ControlLoopOptions.{name} must be {expected}; got {value}."));
}
