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
    }

    private static ArgumentOutOfRangeException Bad(string option, object? value, string expected) =>
        new(option, value, string.Create(CultureInfo.InvariantCulture, $"{option} must be {expected}; got '{value}'."));
}
