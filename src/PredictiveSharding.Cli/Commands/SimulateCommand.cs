using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using PredictiveSharding.Simulation;
using PredictiveSharding.Traces;
using Spectre.Console;

namespace PredictiveSharding.Cli.Commands;

/// <summary>
/// <c>psharding simulate</c>: replays a per-key trace onto a simulated cluster with each strategy (static, reactive
/// load-based splitting and rebalancing — best of a grid and the published settings — predictive and oracle) and compares
/// overloaded node-minutes, overloaded request share, p99 utilisation, churn and compute time.
/// </summary>
/// <remarks>Exit codes: 0 done; 2 bad input (arguments, missing or malformed trace), with the reason on stderr; 130 cancelled (Ctrl+C).</remarks>
internal static class SimulateCommand
{
    /// <summary>The exit code of a run cancelled with Ctrl+C (128 + SIGINT, as shells report it).</summary>
    internal const int CancelledExitCode = 130;

    public static Command Create()
    {
        var defaults = new SimulateSettings();
        var trace = new Option<string?>("--trace") { Description = "Long-format CSV timestamp,key,count (ISO-8601; any keys, any step). Without it: the embedded Azure Functions trace (500 functions × 480 minutes)." };
        var stepSeconds = new Option<int?>("--step-seconds") { Description = "Aggregate the trace to this step (seconds) while reading: any step for raw events, a whole multiple of the file's own step for rows already on a regular grid; default: the file's own step." };
        var fanout = new Option<int?>("--key-fanout") { Description = "Keys each trace key stands for (its requests shared equally), so a hot series is a splittable range; default 1 for --trace, " + SimulateSettings.EmbeddedKeyFanout + " for the embedded trace." };
        var nodes = new Option<int>("--nodes") { Description = "Nodes in the cluster.", DefaultValueFactory = _ => defaults.Nodes };
        var headroom = new Option<double>("--headroom") { Description = "Node capacity = peak total load per step / (nodes × headroom); in (0, 1].", DefaultValueFactory = _ => defaults.Headroom };
        var capacity = new Option<double?>("--node-capacity") { Description = "A node's capacity in requests per step (overrides the sizing by --headroom)." };
        var partitions = new Option<int?>("--partitions") { Description = "Initial partitions (equal key counts, round-robin); default 4 × nodes." };
        var warmup = new Option<double>("--warmup") { Description = "Share of the trace replayed before metrics start (no strategy acts; the forecaster trains on it); in [0, 1).", DefaultValueFactory = _ => defaults.Warmup };
        var strategies = new Option<string>("--strategies") { Description = "Comma-separated strategies: " + string.Join(",", StrategyNames.All) + ".", DefaultValueFactory = _ => string.Join(",", StrategyNames.All) };
        var seed = new Option<int>("--seed") { Description = "Seed of every random choice.", DefaultValueFactory = _ => defaults.Seed };
        var bytesPerKey = new Option<long>("--bytes-per-key") { Description = "Stored bytes per key (partition size = keys × this).", DefaultValueFactory = _ => defaults.BytesPerKey };
        var bandwidth = new Option<double?>("--move-bandwidth") { Description = "Bytes a move copies per step; default: the mean initial partition size (an average partition moves in one step)." };
        var overhead = new Option<double>("--move-overhead") { Description = "Share of a moving partition's load added to both ends while it moves (the planners are told it only with --planned-move-overhead); in [0, 1].", DefaultValueFactory = _ => defaults.MoveOverhead };
        var horizon = new Option<int>("--horizon") { Description = "Steps the predictive and oracle strategies forecast and plan ahead (the predictive one fewer when the warm-up is too short for the LSTM's context + horizon twice over).", DefaultValueFactory = _ => defaults.Horizon };
        var planEvery = new Option<int>("--plan-every") { Description = "Steps between two plans of the predictive and oracle strategies.", DefaultValueFactory = _ => defaults.PlanEvery };
        var planningQuantile = new Option<double>("--planning-quantile") { Description = "Predictive and oracle strategies: the forecast quantile the plan keeps under the threshold (a host's PlanningConstraints.PlanningQuantile, 0.9 by default there); in (0, 1).", DefaultValueFactory = _ => defaults.PlanningQuantile };
        var threshold = new Option<double>("--utilization-threshold") { Description = "Predictive and oracle strategies: the share of a node's capacity the plan keeps that quantile under (a host's PlanningConstraints.DefaultUtilizationThreshold, 0.8 by default there); in (0, 1].", DefaultValueFactory = _ => defaults.UtilizationThreshold };
        var moveCost = new Option<double>("--move-cost") { Description = "Predictive strategy: what moving every byte of the cluster costs, in multiples of the utilisation threshold in predicted peak (the planner's MoveCostWeight); higher moves fewer bytes for burst insurance; zero or more.", DefaultValueFactory = _ => defaults.MoveCost };
        var byteBudget = new Option<double>("--reactive-byte-budget") { Description = "Predictive strategy: at most this multiple of the bytes reactive at the published QPS split threshold (0.03 × capacity, replayed beside it on the same past) has moved by each step, plus one round of move slots, never past the larger of twice that multiple and one round; 0 lifts the cap; zero or more.", DefaultValueFactory = _ => defaults.ReactiveByteBudget };
        var breachSum = new Option<double>("--breach-sum-weight") { Description = "Predictive and oracle strategies: weight of every node's predicted peak above its threshold, summed over nodes, beside the worst peak (the planner's BreachSumWeight; 0: only the hottest node counts, so a node over its threshold beside an unavoidably hot one stays there); zero or more.", DefaultValueFactory = _ => defaults.BreachSumWeight };
        var spread = new Option<double>("--overflow-spread-weight") { Description = "Predictive and oracle strategies: κ of the planner's overflow penalty, each node's overflow o at the 0.99 quantile costing o + κ·o²/(1 + o), so overflow the burst bounds put on every node is spread rather than piled on one (the planner's OverflowSpreadWeight); 0 gives the plain sum; zero or more.", DefaultValueFactory = _ => defaults.OverflowSpreadWeight };
        var isolation = new Option<double>("--isolation-weight") { Description = "Predictive and oracle strategies: weight of a node's predicted peak above its threshold when the node holds a shard that fills a node alone (the planner's IsolationWeight), so what else it carries is moved off and the hot shard isolated; 0 turns it off; zero or more.", DefaultValueFactory = _ => defaults.IsolationWeight };
        var perMoveCost = new Option<double>("--per-move-cost") { Description = "Predictive and oracle strategies: what each move costs on top of its bytes, as a share of the utilisation threshold in predicted peak (the planner's PerMoveCost), so a plan does not trade small pieces between nodes for gains within the forecast's noise; 0 (default) turns it off; zero or more.", DefaultValueFactory = _ => defaults.PerMoveCost };
        var measuredSplit = new Option<double>("--measured-split-share") { Description = "Predictive and oracle strategies: before each step split in two every partition whose last load exceeded this share of a node's capacity, where its requests balance, as the database's own load-based splitting would (the default 0.03 is the published QPS thresholds' mapping), then plan on the pieces; 0 turns it off (the forecast alone decides splits); in [0, 1).", DefaultValueFactory = _ => defaults.MeasuredSplitShare };
        var plot = new Option<string?>("--plot") { Description = "Write a PNG of every node's utilisation over time for each strategy, with the capacity line." };
        var utilizationCsv = new Option<string?>("--utilization-csv") { Description = "Write the figures behind the plot as CSV: strategy,step,timestamp,node,utilization,measured (one row per strategy, step and node; measured is false in the warm-up)." };
        var noBurstAware = new Option<bool>("--no-burst-aware") { Description = "Predictive strategy: plan on the forecast alone, without raising each partition's q0.99 to a burst bound (its load × the largest one-step growth seen from loads as large) and pre-splitting surge-prone partitions." };
        var burstLevel = new Option<int>("--burst-level-steps") { Description = "Predictive strategy: the steps whose median load the burst bound grows from (1: the last step's load). About 10 on per-minute counts keeps the planner from chasing each step's noise with insurance moves; it also follows real rises later. At least 1.", DefaultValueFactory = _ => defaults.BurstLevelSteps };
        var noSeasonalFloor = new Option<bool>("--no-seasonal-floor") { Description = "Predictive strategy: do not raise a partition's median forecast where its own past shows a period longer than the forecaster's context (to the least load at that phase in each of the last three periods)." };
        var json = new Option<bool>("--json") { Description = "Print only one JSON object on stdout (progress goes to stderr)." };
        var command = new Command("simulate", "Replay a request trace onto a simulated cluster and compare static, reactive (CockroachDB/TiKV-style), predictive and oracle re-sharding.");
        var levelShift = new Option<int>("--level-shift-steps") { Description = "Predictive strategy: the consecutive steps a partition's measured load must stay above twice its forecast's 0.9 quantile (and at least 5% of a node) before the forecast is raised to the least of those loads, for a key that stepped up and stayed up while the forecaster still expects the old level; 0 turns it off. Zero or more.", DefaultValueFactory = _ => defaults.LevelShiftSteps };
        var storeRebalance = new Option<bool>("--store-rebalance") { Description = "Predictive and oracle strategies: keep the database's store rebalancer (reactive's: hottest node to the coolest while it is more than 10% above the mean) running in the steps where the plan moves nothing." };
        var noInitialRangeGrowth = new Option<bool>("--no-initial-range-growth") { Description = "Predictive strategy: learn the burst bound's growth only from the partitions there are at each step, not also from the key ranges the replay started from (which the load-based split cuts below the 5% of a node a growth must start from to count)." };
        var noSingleKeyBound = new Option<bool>("--no-single-key-burst-bound") { Description = "Predictive strategy: leave partitions of a single key out of the burst bound (a key cannot be split, so its bound is insured only by moving it whole). Cuts the trading of keys between nodes where every hot unit is one key; loses the insurance of ranges split down to single keys that surge together." };
        var singleKeyCorrelation = new Option<double>("--single-key-correlation") { Description = "Predictive strategy: a one-key partition keeps the burst bound only while its load changes correlate at least this much with a key-order neighbour's over the last 24 steps (a piece of a range surging together); a key hot on its own loses it. -1 bounds every one-key partition. From -1 to 1.", DefaultValueFactory = _ => defaults.SingleKeyNeighbourCorrelation };
        var plannedOverhead = new Option<bool>("--planned-move-overhead") { Description = "Predictive and oracle strategies: tell the planner the --move-overhead share, so a plan charges each move's copy on both its ends (at the planning quantile) while it runs, instead of pricing a move by its bytes only." };
        foreach (var option in new Option[] { trace, stepSeconds, fanout, nodes, headroom, capacity, partitions, warmup, strategies, seed, bytesPerKey, bandwidth, overhead, horizon, planEvery, planningQuantile, threshold, moveCost, breachSum, isolation, spread, perMoveCost, measuredSplit, byteBudget, plot, utilizationCsv, noBurstAware, burstLevel, levelShift, noSingleKeyBound, noInitialRangeGrowth, storeRebalance, singleKeyCorrelation, noSeasonalFloor, plannedOverhead, json })
        {
            command.Options.Add(option);
        }

        command.SetAction(async (ParseResult result, CancellationToken cancellationToken) =>
        {
            var settings = new SimulateSettings
            {
                Trace = result.GetValue(trace),
                StepSeconds = result.GetValue(stepSeconds),
                KeyFanout = result.GetValue(fanout),
                Nodes = result.GetValue(nodes),
                Headroom = result.GetValue(headroom),
                NodeCapacity = result.GetValue(capacity),
                Partitions = result.GetValue(partitions),
                Warmup = result.GetValue(warmup),
                Strategies = (result.GetValue(strategies) ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
                Seed = result.GetValue(seed),
                BytesPerKey = result.GetValue(bytesPerKey),
                MoveBandwidth = result.GetValue(bandwidth),
                MoveOverhead = result.GetValue(overhead),
                Horizon = result.GetValue(horizon),
                PlanEvery = result.GetValue(planEvery),
                MoveCost = result.GetValue(moveCost),
                BreachSumWeight = result.GetValue(breachSum),
                IsolationWeight = result.GetValue(isolation),
                OverflowSpreadWeight = result.GetValue(spread),
                PerMoveCost = result.GetValue(perMoveCost),
                MeasuredSplitShare = result.GetValue(measuredSplit),
                ReactiveByteBudget = result.GetValue(byteBudget),
                PlanningQuantile = result.GetValue(planningQuantile),
                UtilizationThreshold = result.GetValue(threshold),
                Plot = result.GetValue(plot),
                UtilizationCsv = result.GetValue(utilizationCsv),
                BurstAware = !result.GetValue(noBurstAware),
                BurstLevelSteps = result.GetValue(burstLevel),
                LevelShiftSteps = result.GetValue(levelShift),
                BurstBoundSingleKeys = !result.GetValue(noSingleKeyBound),
                GrowthFromInitialRanges = !result.GetValue(noInitialRangeGrowth),
                StoreRebalanceBetweenPlans = result.GetValue(storeRebalance),
                SingleKeyNeighbourCorrelation = result.GetValue(singleKeyCorrelation),
                SeasonalFloor = !result.GetValue(noSeasonalFloor),
                PlannerModelsMoveOverhead = result.GetValue(plannedOverhead),
            };
            var interactive = !Console.IsErrorRedirected;
            return await RunAsync(settings, result.GetValue(json), Console.Out, Console.Error, interactive, null, cancellationToken).ConfigureAwait(false);
        });
        return command;
    }

    /// <summary>Reads the trace, runs the simulation and prints the report; returns the exit code.</summary>
    /// <param name="settings">The arguments.</param>
    /// <param name="json">Print one JSON object instead of tables.</param>
    /// <param name="output">Where the report goes (stdout).</param>
    /// <param name="error">Where progress and errors go (stderr).</param>
    /// <param name="interactive">Draw live progress bars (stderr is a terminal).</param>
    /// <param name="createSimulator">Makes the simulator from the options (tests swap the forecaster or planner); null uses the defaults (LSTM, GA).</param>
    /// <param name="cancellationToken">Cancels the run.</param>
    internal static async Task<int> RunAsync(SimulateSettings settings, bool json, TextWriter output, TextWriter error, bool interactive, Func<SimulationOptions, TraceSimulator>? createSimulator, CancellationToken cancellationToken)
    {
        TraceSimulator simulator;
        KeyTrace trace;
        string traceName;
        try
        {
            if (settings.StepSeconds is <= 0)
            {
                throw new ArgumentOutOfRangeException(nameof(settings), settings.StepSeconds, string.Create(CultureInfo.InvariantCulture, $"--step-seconds must be positive; got {settings.StepSeconds}."));
            }

            var options = settings.ToOptions();
            options.Validate();
            // Checked before the run, which can take minutes, rather than failing when the file is written at its end.
            CheckFolder("--plot", settings.Plot);
            CheckFolder("--utilization-csv", settings.UtilizationCsv);

            simulator = createSimulator?.Invoke(options) ?? new TraceSimulator(options);
            var step = settings.StepSeconds is { } seconds ? TimeSpan.FromSeconds(seconds) : (TimeSpan?)null;
            if (settings.Trace is { } path)
            {
                CliPaths.RequireInputFile("--trace", path);

                trace = TraceCsv.ReadKeyTrace(path, step, cancellationToken);
                traceName = path;
            }
            else
            {
                trace = SimulateEmbeddedTrace.Read(step, cancellationToken);
                traceName = SimulateEmbeddedTrace.Name;
            }
        }
        catch (Exception e) when (e is ArgumentException or TraceFormatException or IOException or UnauthorizedAccessException)
        {
            await error.WriteLineAsync("simulate: " + Describe(e)).ConfigureAwait(false);
            return 2;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Cancelled while reading the trace, which can take seconds.
            await error.WriteLineAsync("simulate: cancelled; no report.").ConfigureAwait(false);
            return CancelledExitCode;
        }

        await error.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"simulate: {traceName}: {trace.Keys.Count} keys × {trace.StepCount} steps of {trace.Step}")).ConfigureAwait(false);
        SimulationReport report;
        try
        {
            report = await SimulateProgressDisplay.RunAsync(error, interactive, progress => simulator.RunAsync(trace, progress, cancellationToken)).ConfigureAwait(false);
        }
        catch (ArgumentException e)
        {
            await error.WriteLineAsync("simulate: " + Describe(e)).ConfigureAwait(false);
            return 2;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await error.WriteLineAsync("simulate: cancelled; no report.").ConfigureAwait(false);
            return CancelledExitCode;
        }

        if (json)
        {
            var strategies = report.Strategies.Select(s => new SimulateJsonStrategy(s.Name, s.OverloadNodeMinutes, FiniteOrNull(s.OverloadedRequestShare), FiniteOrNull(s.P99Utilization), s.Splits, s.Moves, s.BytesMoved, s.ComputeSeconds, s.Setting, s.ForecastSeconds, s.PlanSeconds, s.MoveOverloadNodeMinutes)).ToList();
            var document = new SimulateJsonReport(report.Nodes, report.NodeCapacity, report.WarmupSteps, report.UnavoidableNodeSteps, strategies);
            await output.WriteLineAsync(JsonSerializer.Serialize(document, SimulateJsonContext.Default.SimulateJsonReport)).ConfigureAwait(false);

            // stdout holds exactly the one object; the note goes where the progress went.
            foreach (var line in SimulateTable.CutShortPlans(report).Concat(SimulateTable.StrategyNotes(report)))
            {
                await error.WriteLineAsync("simulate: " + line).ConfigureAwait(false);
            }
        }
        else
        {
            SimulateTable.Write(report, traceName, output, suggestBurstLevel: settings.BurstAware && settings.BurstLevelSteps == 1, suggestSingleKeys: settings.BurstAware && settings.BurstBoundSingleKeys, suggestByteBudget: settings.ReactiveByteBudget == 0, suggestPlannedMoveOverhead: !settings.PlannerModelsMoveOverhead);
        }

        // The files come after the report, so that one that cannot be written (a full disk, a folder removed or read-only)
        // does not cost the figures of a run that took minutes; one that fails does not keep the other from being written.
        // A cancellation stops both: the figures are out, and neither file is left half-written.
        var plot = await WriteFileAsync("--plot", settings.Plot, (path, _) => SimulatePlot.Write(report, path), error, cancellationToken).ConfigureAwait(false);
        var csv = plot == FileWrite.Cancelled
            ? FileWrite.Cancelled
            : await WriteFileAsync("--utilization-csv", settings.UtilizationCsv, (path, token) => SimulateUtilizationCsv.Write(report, path, token), error, cancellationToken).ConfigureAwait(false);
        if (plot == FileWrite.Cancelled || csv == FileWrite.Cancelled)
        {
            var unwritten = string.Join(" and ", new[] { settings.Plot, settings.UtilizationCsv }.OfType<string>().Select(p => "'" + p + "'"));
            await error.WriteLineAsync($"simulate: cancelled; the report is printed, {unwritten} not written (an existing file is left as it was).").ConfigureAwait(false);
            return CancelledExitCode;
        }

        return plot == FileWrite.Failed || csv == FileWrite.Failed ? 2 : 0;
    }

    /// <summary>How writing one output file ended.</summary>
    private enum FileWrite
    {
        /// <summary>Written, or not asked for.</summary>
        Written,

        /// <summary>Could not be written; the reason is on stderr.</summary>
        Failed,

        /// <summary>Cancelled before it was in place.</summary>
        Cancelled,
    }

    /// <summary>A figure for the JSON report: null where it is not finite, since JSON has no infinity or NaN (System.Text.Json threw writing one, after the run).</summary>
    private static double? FiniteOrNull(double value) => double.IsFinite(value) ? value : null;

    /// <summary>
    /// Writes the file an option names (nothing when it names none) whole, through <see cref="OutputFile.Replace"/>: a
    /// regular file is renamed into place from a temporary file beside it, a device or pipe is copied into from one,
    /// so that a write cancelled or failing part-way leaves neither a cut-off file nor a cut-off replacement of an
    /// earlier run's (the copy into place of session 50 could still be cut off by a full disk or a crash). A failure's
    /// reason goes to stderr.
    /// </summary>
    private static async Task<FileWrite> WriteFileAsync(string flag, string? path, Action<string, CancellationToken> write, TextWriter error, CancellationToken cancellationToken)
    {
        if (path is null)
        {
            return FileWrite.Written;
        }

        try
        {
            OutputFile.Replace(path, write, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return FileWrite.Cancelled;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            await error.WriteLineAsync($"simulate: {flag}: '{path}' cannot be written: {e.Message}").ConfigureAwait(false);
            return FileWrite.Failed;
        }

        await error.WriteLineAsync($"simulate: wrote {path}").ConfigureAwait(false);
        return FileWrite.Written;
    }

    /// <summary>Throws when <paramref name="path"/> is no file path, names a folder, or the folder it would be written to does not exist (nothing when no path is given).</summary>
    private static void CheckFolder(string flag, string? path)
    {
        if (path is null)
        {
            return;
        }

        // Path.GetFullPath refuses these with an ArgumentException about its own parameter, whose message named neither
        // the option nor the value.
        if (path.Length == 0 || path.Contains('\0', StringComparison.Ordinal))
        {
            throw new ArgumentException($"{flag}: '{path.Replace("\0", "\\0", StringComparison.Ordinal)}' is not a file path; give one, or leave {flag} out.");
        }

        if (CliPaths.FolderInsteadOfFile(flag, path) is { } message)
        {
            throw new IOException(message);
        }

        if (CliPaths.MissingFolder(flag, path) is { } missing)
        {
            throw new DirectoryNotFoundException(missing);
        }
    }

    /// <summary>The exception's message for a command-line user (<see cref="CliErrorText.Of"/>), with the flag named.</summary>
    private static string Describe(Exception e)
    {
        var message = CliErrorText.Of(e);
        return e is ArgumentException { ParamName: { } param } && SimulateSettings.FlagOf(param) is { Length: > 0 } flag
            ? flag + ": " + message
            : message;
    }
}
