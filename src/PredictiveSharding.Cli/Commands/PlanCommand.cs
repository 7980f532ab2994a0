using System.CommandLine;
using PredictiveSharding.Cli.Formats;
using PredictiveSharding.Forecasting;
using PredictiveSharding.Planning;
using PredictiveSharding.Planning.OrTools;
using PredictiveSharding.Topology;

namespace PredictiveSharding.Cli.Commands;

/// <summary>
/// <c>psharding plan</c>: reads cluster.json and forecast.json, plans splits and placement ahead of the predicted load,
/// and writes plan.json (formats: samples/plan/README.md).
/// </summary>
/// <remarks>
/// The plan is made as of the forecast's origin (its first step), so the same files give the same start-by times.
/// Exit code 0 with a plan (an infeasible plan too: infeasibility is a result), 2 for a bad option or a bad value in
/// a file (the message names the file, the JSON path and the value), 130 cancelled (Ctrl+C).
/// </remarks>
internal static class PlanCommand
{
    public static Command Create()
    {
        var defaults = new PlanSettings();
        var cluster = new Option<string>("--cluster") { Description = "cluster.json: nodes with capacities, partitions with ranges, owners, sizes, key samples.", Required = true };
        var forecast = new Option<string>("--forecast") { Description = "forecast.json: per partition and resource, quantile values per step.", Required = true };
        var quantile = new Option<double>("--quantile") { Description = "Forecast quantile the plan keeps under the thresholds.", DefaultValueFactory = _ => defaults.Quantile };
        var budget = new Option<long?>("--move-budget-bytes") { Description = "Most bytes the plan may move (default 10 GiB)." };
        var time = new Option<int>("--time-budget-ms") { Description = "Time the planner may search, in milliseconds.", DefaultValueFactory = _ => defaults.TimeBudgetMs };
        var seed = new Option<int>("--seed") { Description = "Seed; the same files and seed give the same plan.", DefaultValueFactory = _ => defaults.Seed };
        var planner = new Option<string>("--planner") { Description = "genetic (splits and placement) or cpsat (exact placement only, Google OR-Tools).", DefaultValueFactory = _ => defaults.Planner };
        planner.AcceptOnlyFromAmong("genetic", "cpsat");
        var output = new Option<string?>("--out") { Description = "Where to write plan.json (default: standard output)." };
        var threshold = new Option<double?>("--threshold") { Description = "Share of a node's capacity every resource is kept under at the quantile, in (0, 1] (default 0.8)." };
        var bandwidth = new Option<double?>("--move-bandwidth") { Description = "Bytes per second a move copies: its duration and start-by time (default 50,000,000)." };
        var moveCost = new Option<double?>("--move-cost") { Description = "Genetic planner: what moving every byte of the cluster costs, in shares of the threshold in predicted peak; higher moves fewer bytes (default 0.02)." };
        var breachSum = new Option<double?>("--breach-sum-weight") { Description = "Genetic planner: weight of every node's predicted peak above its threshold, summed over nodes, beside the worst peak (default 0: only the hottest node counts)." };
        var isolation = new Option<double?>("--isolation-weight") { Description = "Genetic planner: weight of a node's predicted peak above its threshold when the node holds a shard that fills a node alone, so the plan moves the rest of its load off (default 0)." };
        var perMoveCost = new Option<double?>("--per-move-cost") { Description = "Genetic planner: what each move costs on top of its bytes, in shares of the threshold in predicted peak, so a move is made only when it gains more (default 0)." };
        var overhead = new Option<double?>("--move-overhead") { Description = "Genetic planner: share of a moving shard's load its copy adds to both ends while it runs, charged at the quantile, from 0 to 1 (default 0)." };
        var command = new Command("plan", "Plan splits and placement ahead of the forecast load: cluster.json + forecast.json → plan.json.");
        command.Options.Add(cluster);
        command.Options.Add(forecast);
        command.Options.Add(quantile);
        command.Options.Add(budget);
        command.Options.Add(time);
        command.Options.Add(seed);
        command.Options.Add(planner);
        command.Options.Add(output);
        command.Options.Add(threshold);
        command.Options.Add(bandwidth);
        command.Options.Add(moveCost);
        command.Options.Add(breachSum);
        command.Options.Add(isolation);
        command.Options.Add(perMoveCost);
        command.Options.Add(overhead);
        command.SetAction(async (ParseResult result, CancellationToken cancellationToken) =>
        {
            var settings = defaults with
            {
                Cluster = result.GetValue(cluster) ?? string.Empty,
                Forecast = result.GetValue(forecast) ?? string.Empty,
                Quantile = result.GetValue(quantile),
                MoveBudgetBytes = result.GetValue(budget),
                TimeBudgetMs = result.GetValue(time),
                Seed = result.GetValue(seed),
                Planner = result.GetValue(planner) ?? defaults.Planner,
                Out = result.GetValue(output),
                Threshold = result.GetValue(threshold),
                MoveBandwidth = result.GetValue(bandwidth),
                MoveCost = result.GetValue(moveCost),
                BreachSumWeight = result.GetValue(breachSum),
                IsolationWeight = result.GetValue(isolation),
                PerMoveCost = result.GetValue(perMoveCost),
                MoveOverhead = result.GetValue(overhead),
            };
            return await RunAsync(settings, Console.Out, Console.Error, TimeProvider.System, cancellationToken).ConfigureAwait(false);
        });
        return command;
    }

    /// <summary>Reads the files, plans and writes plan.json; returns the exit code.</summary>
    internal static async Task<int> RunAsync(PlanSettings settings, TextWriter output, TextWriter error, TimeProvider timeProvider, CancellationToken cancellationToken)
    {
        ShardingPlan plan;
        try
        {
            settings.Validate();

            // Checked before planning, which can take the whole time budget, rather than when the plan is written (a
            // missing folder was found only then, as simulate's --plot is not).
            if (settings.Out is { } target && (CliPaths.FolderInsteadOfFile("--out", target) ?? CliPaths.MissingFolder("--out", target)) is { } unwritable)
            {
                throw new ArgumentException(unwritable + " No plan written.", nameof(settings));
            }

            var cluster = ClusterJson.Read(settings.Cluster);
            var forecast = ForecastJson.Read(settings.Forecast, timeProvider.GetUtcNow());
            ForecastJson.CheckAgainst(forecast, settings.Forecast, cluster, settings.Cluster);
            plan = await PlanAsync(settings, cluster, forecast, timeProvider, cancellationToken).ConfigureAwait(false);
        }
        catch (PlanFileException e)
        {
            await error.WriteLineAsync(CliErrorText.Of(e)).ConfigureAwait(false);
            return 2;
        }
        catch (ArgumentException e)
        {
            // Bad options, and what the planner finds inconsistent between the files.
            await error.WriteLineAsync(CliErrorText.Of(e)).ConfigureAwait(false);
            return 2;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await error.WriteLineAsync("plan: cancelled; no plan written.").ConfigureAwait(false);
            return SimulateCommand.CancelledExitCode;
        }

        if (Unrepresentable(plan) is { } figure)
        {
            await error.WriteLineAsync($"plan: {figure} is beyond the range of a double (the forecast's loads add up to more than a node's capacity can be divided into); give loads and capacities in units whose ratio stays finite. No plan written.").ConfigureAwait(false);
            return 2;
        }

        var document = PlanJson.ToDocument(plan);
        if (settings.Out is { } path)
        {
            try
            {
                // Whole or not at all: written in place, a full disk or a crash part-way left a cut-off plan.json where
                // the last good one had been (and a reader holding it open made the write fail).
                OutputFile.Replace(
                    path,
                    (file, _) =>
                    {
                        using var stream = File.Create(file);
                        PlanJson.Write(document, stream);
                    },
                    CancellationToken.None);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                await error.WriteLineAsync($"{path}: cannot be written: {e.Message} No plan written; an existing file is left as it was.").ConfigureAwait(false);
                return 2;
            }
        }
        else
        {
            await output.WriteLineAsync(PlanJson.Serialize(document)).ConfigureAwait(false);
        }

        return 0;
    }

    /// <summary>
    /// The plan's first figure that JSON cannot hold (infinity or NaN), named for the user, or null. Each forecast value
    /// is finite, but a node's predicted utilisation is their sum over its capacity: the genetic planner refuses a request
    /// where that leaves the range of a double, and a planner that does not returned an infinite peak, which
    /// <see cref="PlanJson"/> then failed to write with an unhandled exception after the search.
    /// </summary>
    private static string? Unrepresentable(ShardingPlan plan) =>
        !double.IsFinite(plan.Before.MaxUtilization) ? $"the predicted utilisation of node '{plan.Before.Node}' ('{plan.Before.Resource}') before the plan"
        : !double.IsFinite(plan.After.MaxUtilization) ? $"the predicted utilisation of node '{plan.After.Node}' ('{plan.After.Resource}') after the plan"
        : !double.IsFinite(plan.Shortfall) ? "the plan's shortfall"
        : null;

    private static Task<ShardingPlan> PlanAsync(PlanSettings settings, ClusterSnapshot cluster, LoadForecast forecast, TimeProvider timeProvider, CancellationToken cancellationToken)
    {
        var defaults = new PlanningConstraints();
        var constraints = defaults with
        {
            PlanningQuantile = settings.Quantile,
            MoveBudgetBytes = settings.MoveBudgetBytes ?? defaults.MoveBudgetBytes,
            DefaultUtilizationThreshold = settings.Threshold ?? defaults.DefaultUtilizationThreshold,
            MoveBandwidthBytesPerSecond = settings.MoveBandwidth ?? defaults.MoveBandwidthBytesPerSecond,
        };
        var request = new PlanningRequest(cluster, forecast, constraints, forecast.Origin);
        var budget = TimeSpan.FromMilliseconds(settings.TimeBudgetMs);
        IShardPlanner planner = settings.Planner == "cpsat"
            ? new CpSatShardPlanner(new CpSatPlannerOptions { TimeLimit = budget, Seed = settings.Seed }, timeProvider)
            : new GeneticShardPlanner(GeneticOptions(settings, budget), timeProvider);
        return planner.PlanAsync(request, cancellationToken);
    }

    /// <summary>The genetic planner's options: its defaults, with what the command line set.</summary>
    internal static GeneticPlannerOptions GeneticOptions(PlanSettings settings, TimeSpan budget)
    {
        var options = new GeneticPlannerOptions { TimeBudget = budget, Seed = settings.Seed };
        options.MoveCostWeight = settings.MoveCost ?? options.MoveCostWeight;
        options.BreachSumWeight = settings.BreachSumWeight ?? options.BreachSumWeight;
        options.IsolationWeight = settings.IsolationWeight ?? options.IsolationWeight;
        options.PerMoveCost = settings.PerMoveCost ?? options.PerMoveCost;
        options.MoveOverheadShare = settings.MoveOverhead ?? options.MoveOverheadShare;
        return options;
    }
}
