using System.Globalization;

namespace PredictiveSharding.Planning.OrTools;

/// <summary>Settings of <see cref="CpSatShardPlanner"/>. Defaults suit instances up to about 200 partitions × 10 nodes.</summary>
public sealed class CpSatPlannerOptions
{
    /// <summary>Default <see cref="TimeLimit"/>: 10 seconds.</summary>
    public static readonly TimeSpan DefaultTimeLimit = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Wall-clock limit for the whole solve (building the model and its starting point, then both phases: the peak, then
    /// the moved bytes at that peak). When it is reached the best placement found so far is returned and
    /// <see cref="CpSatPlanResult.ProvenOptimal"/> is false; reached while the model is still being built (checked after
    /// each node's rows), the plan is the starting point (a move-aware descent or greedy placement). Checking the request
    /// and finding the starting point are not interrupted: on tens of thousands of partitions they can overrun it by a
    /// few hundred milliseconds.
    /// Default 10 s; must be positive and at most one day.
    /// </summary>
    public TimeSpan TimeLimit { get; init; } = DefaultTimeLimit;

    /// <summary>
    /// CP-SAT search workers (threads). Default 1, which makes a solve that ends before <see cref="TimeLimit"/>
    /// reproducible for a given <see cref="Seed"/>; more workers run CP-SAT's portfolio in a deterministic
    /// interleaved mode (CP-SAT's <c>interleave_search</c>), which is also reproducible but slower per worker.
    /// Must be between 1 and 64.
    /// </summary>
    public int Workers { get; init; } = 1;

    /// <summary>CP-SAT's random seed (<c>random_seed</c>). Default 0; must not be negative.</summary>
    public int Seed { get; init; }

    /// <summary>
    /// Optional limit in CP-SAT's deterministic time (a count of work that tracks seconds on a fast core but does not
    /// depend on the machine's load). When set, a solve it ends is reproducible for a given <see cref="Seed"/> and
    /// <see cref="Workers"/> on any machine; <see cref="TimeLimit"/> still applies as a wall-clock safety net.
    /// Default null (wall clock only); must be positive when set.
    /// </summary>
    public double? DeterministicTimeLimit { get; init; }

    /// <summary>
    /// When false (the default, as the genetic planner's hysteresis rule), a cluster whose current placement keeps every
    /// node under its thresholds and under capacity at the 0.99 quantile gets a plan with no actions; when true, the
    /// peak is minimised anyway (for measuring the optimum).
    /// </summary>
    public bool RebalanceUnderThresholds { get; init; }

    /// <summary>Throws when a setting is out of range, naming it and its value.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A setting is out of range.</exception>
    public void Validate()
    {
        if (TimeLimit <= TimeSpan.Zero || TimeLimit > TimeSpan.FromDays(1))
        {
            throw Bad(nameof(TimeLimit), TimeLimit, "positive and at most one day");
        }

        if (Workers is < 1 or > 64)
        {
            throw Bad(nameof(Workers), Workers, "between 1 and 64");
        }

        if (DeterministicTimeLimit is { } d && !(d > 0 && double.IsFinite(d)))
        {
            throw Bad(nameof(DeterministicTimeLimit), d, "positive and finite, or null");
        }

        if (Seed < 0)
        {
            throw Bad(nameof(Seed), Seed, "zero or more");
        }
    }

    private static ArgumentOutOfRangeException Bad(string name, object value, string expected) =>
        new(name, value, string.Create(CultureInfo.InvariantCulture, $"CpSatPlannerOptions.{name} must be {expected}; got {value}."));
}
