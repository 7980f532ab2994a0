using System.Globalization;

namespace PredictiveSharding.Cli.Commands;

/// <summary>The arguments of <c>psharding forecast-eval</c>.</summary>
internal sealed record ForecastEvalSettings
{
    public const string DefaultModels = "lstm,seasonal-naive,holt-winters,fasttree";

    public string Input { get; init; } = string.Empty;

    public int Season { get; init; }

    public int Horizon { get; init; }

    public int? StepSeconds { get; init; }

    public double HoldoutFraction { get; init; } = 0.2;

    public IReadOnlyList<string> Models { get; init; } = ForecastEvalModels.Parse(DefaultModels);

    public int Seed { get; init; } = 42;

    /// <summary>Throws when an argument is out of range; the message names the option and its value.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Input))
        {
            throw new ArgumentException("--input is required: a CSV file of timestamp,series,value (or timestamp,key,count).", "--input");
        }

        if (Season < 1)
        {
            throw new ArgumentOutOfRangeException("--season", Season, string.Create(CultureInfo.InvariantCulture, $"--season must be at least 1 step; got {Season}."));
        }

        if (Season < 2 && Models.Any(m => m is ForecastEvalModels.HoltWinters or ForecastEvalModels.FastTree))
        {
            throw new ArgumentOutOfRangeException("--season", Season, string.Create(CultureInfo.InvariantCulture, $"--season must be at least 2 for holt-winters and fasttree; got {Season}."));
        }

        if (Horizon < 1)
        {
            throw new ArgumentOutOfRangeException("--horizon", Horizon, string.Create(CultureInfo.InvariantCulture, $"--horizon must be at least 1 step; got {Horizon}."));
        }

        if (StepSeconds is { } seconds && seconds < 1)
        {
            throw new ArgumentOutOfRangeException("--step-seconds", seconds, string.Create(CultureInfo.InvariantCulture, $"--step-seconds must be at least 1; got {seconds}."));
        }

        if (!(HoldoutFraction > 0 && HoldoutFraction < 1))
        {
            throw new ArgumentOutOfRangeException("--holdout-fraction", HoldoutFraction, string.Create(CultureInfo.InvariantCulture, $"--holdout-fraction must lie strictly between 0 and 1; got {HoldoutFraction}."));
        }

        if (Models.Count == 0)
        {
            throw new ArgumentException($"--models names no model; choose from {DefaultModels}.", "--models");
        }
    }
}
