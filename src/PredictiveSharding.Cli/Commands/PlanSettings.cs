using System.Globalization;

namespace PredictiveSharding.Cli.Commands;

/// <summary>The options of <c>psharding plan</c>, with their defaults.</summary>
internal sealed record PlanSettings
{
    public string Cluster { get; init; } = string.Empty;

    public string Forecast { get; init; } = string.Empty;

    /// <summary>The forecast quantile the plan keeps under the thresholds. Default 0.9.</summary>
    public double Quantile { get; init; } = 0.9;

    /// <summary>Most bytes the plan may move; null for PlanningConstraints' default (10 GiB).</summary>
    public long? MoveBudgetBytes { get; init; }

    /// <summary>Time the planner may search, in milliseconds. Default 4,000 (the genetic planner's default budget).</summary>
    public int TimeBudgetMs { get; init; } = 4_000;

    public int Seed { get; init; } = 42;

    /// <summary>genetic (splits and placement) or cpsat (exact placement only).</summary>
    public string Planner { get; init; } = "genetic";

    /// <summary>Where to write plan.json; null for standard output.</summary>
    public string? Out { get; init; }

    /// <summary>The share of a node's capacity every resource is kept under; null for PlanningConstraints' default (0.8).</summary>
    public double? Threshold { get; init; }

    /// <summary>Bytes per second a move copies (its duration and start-by time); null for PlanningConstraints' default (50 MB/s).</summary>
    public double? MoveBandwidth { get; init; }

    /// <summary>Genetic planner only: its MoveCostWeight; null for the planner's default (0.02).</summary>
    public double? MoveCost { get; init; }

    /// <summary>Genetic planner only: its BreachSumWeight; null for the planner's default (0).</summary>
    public double? BreachSumWeight { get; init; }

    /// <summary>Genetic planner only: its IsolationWeight; null for the planner's default (0).</summary>
    public double? IsolationWeight { get; init; }

    /// <summary>Genetic planner only: its PerMoveCost; null for the planner's default (0).</summary>
    public double? PerMoveCost { get; init; }

    /// <summary>Genetic planner only: its MoveOverheadShare; null for the planner's default (0).</summary>
    public double? MoveOverhead { get; init; }

    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Cluster))
        {
            throw Bad("--cluster", Cluster, "the path of cluster.json");
        }

        if (string.IsNullOrWhiteSpace(Forecast))
        {
            throw Bad("--forecast", Forecast, "the path of forecast.json");
        }

        // Checked before the search, not when plan.json is written after it: File.Create refuses these with an
        // ArgumentException, which is not an I/O error and escaped the write's handler as an unhandled exception.
        if (Out is { } output && (output.Length == 0 || output.Contains('\0', StringComparison.Ordinal)))
        {
            throw Bad("--out", output.Replace("\0", "\\0", StringComparison.Ordinal), "a file path, or left out for standard output");
        }

        if (!(Quantile > 0 && Quantile < 1))
        {
            throw Bad("--quantile", Quantile, "strictly between 0 and 1");
        }

        if (MoveBudgetBytes is < 0)
        {
            throw Bad("--move-budget-bytes", MoveBudgetBytes, "zero or more");
        }

        if (TimeBudgetMs < 1)
        {
            throw Bad("--time-budget-ms", TimeBudgetMs, "at least 1");
        }

        if (Seed < 0)
        {
            throw Bad("--seed", Seed, "zero or more");
        }

        if (Planner is not ("genetic" or "cpsat"))
        {
            throw Bad("--planner", Planner, "genetic or cpsat");
        }

        if (Threshold is { } threshold && !(threshold > 0 && threshold <= 1))
        {
            throw Bad("--threshold", threshold, "in (0, 1]");
        }

        if (MoveBandwidth is { } bandwidth && !(bandwidth > 0 && double.IsFinite(bandwidth)))
        {
            throw Bad("--move-bandwidth", bandwidth, "a positive number of bytes per second");
        }

        NonNegativeWeight("--move-cost", MoveCost);
        NonNegativeWeight("--breach-sum-weight", BreachSumWeight);
        NonNegativeWeight("--isolation-weight", IsolationWeight);
        NonNegativeWeight("--per-move-cost", PerMoveCost);
        if (MoveOverhead is { } overhead && !(overhead >= 0 && overhead <= 1))
        {
            throw Bad("--move-overhead", overhead, "from 0 to 1");
        }

        // CP-SAT minimises the worst peak and then the moved bytes; it has no weights to set, so a weight given with it
        // would be silently ignored. Refuse it instead.
        if (Planner == "cpsat")
        {
            RefuseWithCpSat("--move-cost", MoveCost);
            RefuseWithCpSat("--breach-sum-weight", BreachSumWeight);
            RefuseWithCpSat("--isolation-weight", IsolationWeight);
            RefuseWithCpSat("--per-move-cost", PerMoveCost);
            RefuseWithCpSat("--move-overhead", MoveOverhead);
        }
    }

    /// <summary>A genetic-planner weight, when given, must be zero or more and finite (NaN fails too).</summary>
    private static void NonNegativeWeight(string option, double? value)
    {
        if (value is { } weight && !(weight >= 0 && double.IsFinite(weight)))
        {
            throw Bad(option, weight, "zero or more");
        }
    }

    private static void RefuseWithCpSat(string option, double? value)
    {
        if (value is { } given)
        {
            throw Bad(option, given, "left out with --planner cpsat (it applies to the genetic planner only)");
        }
    }

    private static ArgumentOutOfRangeException Bad(string option, object? value, string expected) =>
        new(option, value, string.Create(CultureInfo.InvariantCulture, $"{option} must be {expected}; got '{value}'."));
}
