using PredictiveSharding.Forecasting;
using PredictiveSharding.Forecasting.Baselines;
using PredictiveSharding.Forecasting.Lstm;

namespace PredictiveSharding.Cli.Commands;

/// <summary>The models forecast-eval knows, created with their defaults plus the command's season, horizon, quantiles and seed.</summary>
internal static class ForecastEvalModels
{
    public const string Lstm = "lstm";
    public const string SeasonalNaive = "seasonal-naive";
    public const string HoltWinters = "holt-winters";
    public const string FastTree = "fasttree";

    private static readonly string[] Known = [Lstm, SeasonalNaive, HoltWinters, FastTree];

    /// <summary>Splits a comma-separated list of model names.</summary>
    /// <exception cref="ArgumentException">An unknown or repeated name; the message names it.</exception>
    public static IReadOnlyList<string> Parse(string? list)
    {
        var names = new List<string>();
        foreach (var raw in (list ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var name = raw.ToLowerInvariant();
            if (Array.IndexOf(Known, name) < 0)
            {
                throw new ArgumentException($"--models: unknown model '{raw}'; choose from {string.Join(',', Known)}.", nameof(list));
            }

            if (names.Contains(name))
            {
                throw new ArgumentException($"--models: '{raw}' is listed twice.", nameof(list));
            }

            names.Add(name);
        }

        return names;
    }

    /// <summary>A fresh forecaster of the named model.</summary>
    /// <param name="name">A name from <see cref="Parse"/>.</param>
    /// <param name="settings">The command's settings.</param>
    /// <param name="quantiles">The levels to produce.</param>
    /// <param name="step">The series' step.</param>
    /// <param name="shortestTraining">The fewest steps any series has before its first origin (bounds the LSTM's extra lags).</param>
    public static ILoadForecaster Create(string name, ForecastEvalSettings settings, IReadOnlyList<double> quantiles, TimeSpan step, int shortestTraining) => name switch
    {
        SeasonalNaive => new SeasonalNaiveForecaster(new SeasonalNaiveForecasterOptions { SeasonLength = settings.Season, Quantiles = quantiles }),
        HoltWinters => new HoltWintersForecaster(new HoltWintersForecasterOptions { SeasonLength = settings.Season, Quantiles = quantiles }),
        FastTree => new FastTreeForecaster(new FastTreeForecasterOptions { SeasonLength = settings.Season, Quantiles = quantiles, Seed = settings.Seed, MaxHorizon = settings.Horizon }),
        // The evaluation scores quantile forecasts, so the LSTM's are recalibrated on its held-out tail (split-conformal)
        // and its weights averaged over the last steps of training (both opt-in, see LstmForecasterOptions).
        // As actuals arrive at later origins, the interval levels are recalibrated online too (adaptive conformal
        // inference; see AdaptiveCalibrationRate for the rate).
        // The context covers at least one season, so that a season longer than the default context (60 one-minute steps)
        // is read whole rather than only through its lag.
        Lstm => new LstmForecaster(new LstmForecasterOptions { Horizon = settings.Horizon, ContextLength = LstmContext(settings.Season), Quantiles = quantiles, Seed = settings.Seed, SeasonalLags = LstmLags(settings.Season, step, shortestTraining), CalibrateQuantiles = true, WeightAveraging = true, AdaptiveCalibrationRate = AdaptiveCalibrationRate, SeasonalMedianSeasons = SeasonalMedianSeasons, SeasonalProfileSeasons = SeasonalProfileSeasons }),
        _ => throw new ArgumentException($"Unknown model '{name}'.", nameof(name)),
    };

    /// <summary>
    /// Step size of the LSTM's adaptive conformal calibration in forecast-eval (<see cref="LstmForecasterOptions.AdaptiveCalibrationRate"/>).
    /// Large, because the evaluation forecasts only every H steps: a holdout of 20% gives a few dozen updates (43 on NYC
    /// taxi hourly), and adaptive conformal inference's coverage error over T updates is bounded by about
    /// (offset range + γ) / (γ·T), so at 0.05 the bound said nothing and taxi's holiday holdout stayed at 0.69.
    /// </summary>
    internal const double AdaptiveCalibrationRate = 1.0;

    /// <summary>Seasons in the LSTM head's seasonal median in forecast-eval (<see cref="LstmForecasterOptions.SeasonalMedianSeasons"/>).</summary>
    internal const int SeasonalMedianSeasons = 3;

    /// <summary>
    /// The most seasons the LSTM head's seasonal profile spans in forecast-eval (<see cref="LstmForecasterOptions.SeasonalProfileSeasons"/>):
    /// the largest allowed, since it never reads history the network does not read anyway.
    /// </summary>
    internal const int SeasonalProfileSeasons = 8;

    /// <summary>
    /// The longest context forecast-eval gives the LSTM. Its cost grows with the context (every training window unrolls it),
    /// and a season longer than this reaches the network anyway: the season is always among its lag inputs
    /// (<see cref="LstmLags"/>, the value one season back beside every step) and its head's seasonal median. Measured: a
    /// per-minute trace with a daily season (50 series of five days, season 1,440) had not finished training the LSTM after
    /// 20 minutes with a whole day of context.
    /// </summary>
    internal const int MaxLstmContext = 168;

    /// <summary>The LSTM's context: its default (24) or one season, whichever is longer, but no more than <see cref="MaxLstmContext"/>.</summary>
    internal static int LstmContext(int season) => Math.Max(new LstmForecasterOptions().ContextLength, Math.Min(season, MaxLstmContext));

    /// <summary>
    /// The LSTM's seasonal lags: the declared season plus the LSTM's own defaults (a day and a week, when whole numbers
    /// of at least two steps) where the training data holds at least two of them, so that --season is always among them.
    /// </summary>
    private static int[] LstmLags(int season, TimeSpan step, int shortestTraining)
    {
        var lags = new SortedSet<int> { season };
        foreach (var period in new[] { TimeSpan.FromDays(1), TimeSpan.FromDays(7) })
        {
            if (period.Ticks % step.Ticks == 0 && period.Ticks / step.Ticks is var lag && lag >= 2 && 2 * lag <= shortestTraining)
            {
                lags.Add((int)(period.Ticks / step.Ticks));
            }
        }

        return [.. lags];
    }
}
