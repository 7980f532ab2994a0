using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using PredictiveSharding.Forecasting.Evaluation;
using PredictiveSharding.Telemetry;
using PredictiveSharding.Traces;

namespace PredictiveSharding.Cli.Commands;

/// <summary>
/// <c>psharding forecast-eval</c>: rolling-origin evaluation of forecasters on a long-format trace, with the protocol
/// the design reference fixes (see <see cref="RollingOriginEvaluator"/>). Every model is fitted once on each series' data before
/// its first origin, then forecasts H steps at every origin from the data before it.
/// </summary>
/// <remarks>Exit codes: 0 done; 2 bad input (arguments, file, or series too short), with the reason on stderr; 130 cancelled (Ctrl+C).</remarks>
internal static class ForecastEvalCommand
{
    /// <summary>The quantile levels every model produces and wQL averages over (the defaults).</summary>
    private static readonly double[] Quantiles = [0.1, 0.5, 0.9, 0.99];

    public static Command Create()
    {
        // Values are taken as text and parsed here, so that a missing or malformed value is "bad input" (exit code 2 and
        // a message naming the option) rather than System.CommandLine's parse error (exit code 1, help on stdout).
        var defaults = new ForecastEvalSettings();
        var input = Text("--input", "FILE: long-format CSV timestamp,series,value (ISO-8601 timestamps); a timestamp,key,count key trace is read as one series per key. Required.");
        var season = Text("--season", "M: seasonal period in steps (MASE's seasonal naive period and the baselines' season), e.g. 24 for hourly data. Required.");
        var horizon = Text("--horizon", "H: steps forecast at each origin; origins are H steps apart. Required.");
        var stepSeconds = Text("--step-seconds", "Sum the samples of each step of this length (aligned to the Unix epoch) first; a whole multiple of the file's step. A series' first or last step its samples cover only in part is left out (a key trace's missing rows are zero requests).");
        var holdout = Text("--holdout-fraction", "Share of each series held out: the first origin is n − ⌊fraction·n⌋. Default 0.2.");
        var models = Text("--models", $"Comma-separated models to evaluate, in order. Default {ForecastEvalSettings.DefaultModels}.");
        var seed = Text("--seed", string.Create(CultureInfo.InvariantCulture, $"Seed of the seeded models (lstm, fasttree). Default {defaults.Seed}."));
        var json = new Option<bool>("--json") { Description = "Print only {\"models\":[...]} as one JSON object on stdout (progress goes to stderr)." };
        // An unknown argument is a parse error, which Program turns into exit code 2 like every other bad input.
        var command = new Command("forecast-eval", "Evaluate forecasters (LSTM and baselines) on a trace by rolling-origin forecasting: MASE, weighted quantile loss, 80% interval coverage, training and forecasting time.");
        foreach (var option in new Option[] { input, season, horizon, stepSeconds, holdout, json, models, seed })
        {
            command.Options.Add(option);
        }

        command.SetAction(async (ParseResult result, CancellationToken cancellationToken) =>
        {
            ForecastEvalSettings settings;
            try
            {
                settings = new ForecastEvalSettings
                {
                    Input = Required(result.GetValue(input), "--input"),
                    Season = ParseInt(Required(result.GetValue(season), "--season"), "--season"),
                    Horizon = ParseInt(Required(result.GetValue(horizon), "--horizon"), "--horizon"),
                    StepSeconds = result.GetValue(stepSeconds) is { } step ? ParseInt(step, "--step-seconds") : null,
                    HoldoutFraction = result.GetValue(holdout) is { } fraction ? ParseDouble(fraction, "--holdout-fraction") : defaults.HoldoutFraction,
                    Models = ForecastEvalModels.Parse(result.GetValue(models) ?? ForecastEvalSettings.DefaultModels),
                    Seed = result.GetValue(seed) is { } s ? ParseInt(s, "--seed") : defaults.Seed,
                };
            }
            catch (ArgumentException e)
            {
                await Console.Error.WriteLineAsync("forecast-eval: " + CliErrorText.Of(e)).ConfigureAwait(false);
                return 2;
            }

            return await RunAsync(settings, result.GetValue(json), Console.Out, Console.Error, cancellationToken).ConfigureAwait(false);
        });
        return command;
    }

    private static Option<string?> Text(string name, string description) =>
        new(name) { Description = description, Arity = ArgumentArity.ZeroOrOne };

    private static string Required(string? value, string option) =>
        string.IsNullOrWhiteSpace(value) ? throw new ArgumentException($"{option} is required and needs a value.") : value;

    private static int ParseInt(string text, string option) =>
        int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new ArgumentException($"{option} must be a whole number; got '{text}'.");

    private static double ParseDouble(string text, string option) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new ArgumentException($"{option} must be a number; got '{text}'.");

    /// <summary>Reads the input, evaluates every model and prints the results; returns the exit code.</summary>
    internal static async Task<int> RunAsync(ForecastEvalSettings settings, bool json, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        IReadOnlyList<PartitionLoadSeries> series;
        RollingOriginEvaluator evaluator;
        try
        {
            settings.Validate();
            var step = settings.StepSeconds is { } seconds ? TimeSpan.FromSeconds(seconds) : (TimeSpan?)null;
            series = ForecastEvalInput.Read(settings.Input, step, cancellationToken);
            evaluator = new RollingOriginEvaluator(new RollingOriginOptions { SeasonLength = settings.Season, Horizon = settings.Horizon, HoldoutFraction = settings.HoldoutFraction, Quantiles = Quantiles });
        }
        catch (Exception e) when (e is ArgumentException or TraceFormatException or IOException or UnauthorizedAccessException)
        {
            await error.WriteLineAsync("forecast-eval: " + CliErrorText.Of(e)).ConfigureAwait(false);
            return 2;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Cancelled while reading the input, which can take seconds.
            await error.WriteLineAsync("forecast-eval: cancelled; no report.").ConfigureAwait(false);
            return SimulateCommand.CancelledExitCode;
        }

        // Real data mixes series that began late with long ones; the short ones are set aside by name, not allowed to
        // end the whole evaluation, and the figures are over the rest.
        var tooShort = series.Where(s => !evaluator.CanEvaluate(s.Count)).ToList();
        if (tooShort.Count > 0)
        {
            await error.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"forecast-eval: {SkippedText(tooShort, evaluator.MinimumLength, settings)}")).ConfigureAwait(false);
            if (tooShort.Count == series.Count)
            {
                return 2;
            }

            series = series.Except(tooShort).ToList();
        }

        var shortestTraining = series.Min(s => evaluator.FirstOrigin(s.Count));
        await error.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"forecast-eval: {series.Count} series, step {series[0].Step}, {series.Min(s => s.Count)}–{series.Max(s => s.Count)} steps; season {settings.Season}, horizon {settings.Horizon}, holdout {settings.HoldoutFraction}")).ConfigureAwait(false);
        var results = new List<ForecastEvaluation>(settings.Models.Count);
        foreach (var name in settings.Models)
        {
            try
            {
                cancellationToken.ThrowIfCancellationRequested();
                await error.WriteLineAsync($"forecast-eval: evaluating {name}…").ConfigureAwait(false);
                var model = ForecastEvalModels.Create(name, settings, Quantiles, series[0].Step, shortestTraining);
                var evaluation = await evaluator.EvaluateAsync(model, series, cancellationToken).ConfigureAwait(false);
                results.Add(evaluation);
                await error.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"forecast-eval: {name}: MASE {evaluation.Mase:0.000}, wQL {evaluation.Wql:0.000}, coverage80 {evaluation.Coverage80:0.000}, fit {evaluation.TrainSeconds:0.00} s")).ConfigureAwait(false);
            }
            catch (ArgumentException e)
            {
                await error.WriteLineAsync($"forecast-eval: {name}: {CliErrorText.Of(e)}").ConfigureAwait(false);
                return 2;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                await error.WriteLineAsync("forecast-eval: cancelled; no report.").ConfigureAwait(false);
                return SimulateCommand.CancelledExitCode;
            }
        }

        if (json)
        {
            var report = new ForecastEvalReport(results.Select(r => new ForecastEvalModelResult(r.Name, DefinedOrNull(r.Mase), DefinedOrNull(r.Wql), DefinedOrNull(r.Coverage80), r.TrainSeconds, r.ForecastMillisPerSeries)).ToList());
            await output.WriteLineAsync(JsonSerializer.Serialize(report, ForecastEvalJsonContext.Default.ForecastEvalReport)).ConfigureAwait(false);
        }
        else
        {
            foreach (var r in results)
            {
                await output.WriteLineAsync(Table(r)).ConfigureAwait(false);
            }
        }

        return 0;
    }

    /// <summary>Which series are too short to evaluate, and what they would need.</summary>
    internal static string SkippedText(IReadOnlyList<PartitionLoadSeries> tooShort, int minimumLength, ForecastEvalSettings settings)
    {
        const int Named = 5;
        var names = string.Join(", ", tooShort.Take(Named).Select(s => string.Create(CultureInfo.InvariantCulture, $"'{s.Partition}' ({s.Count} steps)")));
        var more = tooShort.Count > Named ? string.Create(CultureInfo.InvariantCulture, $" and {tooShort.Count - Named} more") : string.Empty;
        return string.Create(
            CultureInfo.InvariantCulture,
            $"{tooShort.Count} series too short to evaluate, left out: {names}{more}. Each needs at least {minimumLength} steps: more than a season ({settings.Season}) before its first origin and a whole horizon ({settings.Horizon}) after it, with the last {settings.HoldoutFraction} held out.");
    }

    /// <summary>A metric for the JSON report: null where it is undefined (NaN), since JSON has no NaN.</summary>
    internal static double? DefinedOrNull(double value) => double.IsNaN(value) ? null : value;

    private static string Table(ForecastEvaluation r)
    {
        var rows = new (string Metric, string Value)[]
        {
            ("MASE", F(r.Mase, "0.0000")),
            ("wQL", F(r.Wql, "0.0000")),
            ("coverage80", F(r.Coverage80, "0.000")),
            ("train seconds", F(r.TrainSeconds, "0.00")),
            ("forecast ms/series", F(r.ForecastMillisPerSeries, "0.000")),
            ("series", F(r.SeriesCount, "0")),
            ("series without MASE scale", F(r.SeriesWithoutMaseScale, "0")),
            ("origins", F(r.Origins, "0")),
            ("forecast points", F(r.ForecastPoints, "0")),
        };
        var width = rows.Max(x => x.Metric.Length);
        var lines = new List<string> { $"model {r.Name}", new string('-', width + 14) };
        lines.AddRange(rows.Select(x => x.Metric.PadRight(width) + "  " + x.Value.PadLeft(12)));
        lines.Add(string.Empty);
        return string.Join(Environment.NewLine, lines);

        static string F(double v, string format) => double.IsNaN(v) ? "undefined" : v.ToString(format, CultureInfo.InvariantCulture);
    }
}
