using System.Globalization;
using PredictiveSharding.Simulation;
using Spectre.Console;

namespace PredictiveSharding.Cli.Commands;

/// <summary>The human-readable report of <c>psharding simulate</c>: the cluster, one row per strategy, the reactive grid and the comparison.</summary>
internal static class SimulateTable
{
    /// <summary>A reactive-to-oracle gap under this share of reactive's overload counts as reactive and oracle being close.</summary>
    private const double CloseGapShare = 0.1;

    /// <param name="report">The simulation's results.</param>
    /// <param name="traceName">What was replayed, for the first line.</param>
    /// <param name="output">Where the report goes.</param>
    /// <param name="suggestBurstLevel">Whether advice may name <c>--burst-level-steps</c>: the run bounded bursts from the last load (not off, not already a median).</param>
    /// <param name="suggestSingleKeys">Whether advice may name <c>--no-single-key-burst-bound</c>: the run bounded bursts of one-key partitions too.</param>
    /// <param name="suggestByteBudget">Whether advice may name <c>--reactive-byte-budget</c>: the run had lifted the byte budget.</param>
    /// <param name="suggestPlannedMoveOverhead">Whether advice may name <c>--planned-move-overhead</c>: moves loaded their ends and the planners were not told.</param>
    public static void Write(SimulationReport report, string traceName, TextWriter output, bool suggestBurstLevel = true, bool suggestSingleKeys = true, bool suggestByteBudget = false, bool suggestPlannedMoveOverhead = true)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(output), Ansi = AnsiSupport.No, ColorSystem = ColorSystemSupport.NoColors });
        console.Profile.Width = 200;
        console.WriteLine(F($"trace: {traceName}; {report.Keys} keys × {report.Steps} steps of {report.Step}; warm-up {report.WarmupSteps} steps (not counted)"));
        console.WriteLine(F($"cluster: {report.Nodes} nodes of {report.NodeCapacity:0.##} requests/step; {report.InitialPartitions} initial partitions; move bandwidth {report.MoveBandwidthBytesPerStep / (1 << 20):0.##} MiB/step"));
        console.WriteLine(F($"unavoidable: {report.UnavoidableNodeSteps} node-steps ({report.UnavoidableNodeSteps * report.Step.TotalMinutes:0.##} node-minutes) with a single key hotter than a node or more load than the cluster"));
        console.Write(Strategies(report.Strategies, "strategy"));
        if (report.ReactiveGrid.Count > 0)
        {
            console.WriteLine("reactive grid (the best is reported as 'reactive'; choosing it uses hindsight, which favours reactive):");
            console.Write(Strategies(report.ReactiveGrid, "reactive setting", settingFirst: true));
        }

        foreach (var line in Comparison(report, suggestBurstLevel, suggestSingleKeys, suggestByteBudget, suggestPlannedMoveOverhead).Concat(CutShortPlans(report)).Concat(StrategyNotes(report)))
        {
            console.WriteLine(line);
        }
    }

    /// <summary>
    /// One line per strategy some of whose plans the planner's time limit cut short: those figures depend on how fast
    /// this machine was while it ran, so a reader comparing runs across machines knows which ones may not reproduce.
    /// </summary>
    internal static IEnumerable<string> CutShortPlans(SimulationReport report) =>
        report.Strategies
            .Where(s => s.PlansStoppedAtTimeLimit > 0)
            .Select(s => F($"note: {s.PlansStoppedAtTimeLimit} of {s.Plans} {s.Name} plans stopped at the planner's time limit; its figures depend on this machine's speed and load, and another machine may not reproduce them"));

    /// <summary>
    /// One line per strategy that left notes of its own (<see cref="StrategyResult.Warnings"/>: a forecaster that could not
    /// train yet, planned actions that no longer applied), with how many and the first and last, so that a strategy that
    /// sat idle says why. The planner's notes relayed there ("step N: planner: …", a breach still predicted after a plan)
    /// are left out: the overload figures already show them, and most plans of a hot trace leave one.
    /// </summary>
    internal static IEnumerable<string> StrategyNotes(SimulationReport report)
    {
        foreach (var strategy in report.Strategies)
        {
            var notes = strategy.Warnings.Where(w => !w.Contains(": planner: ", StringComparison.Ordinal)).ToList();
            if (notes.Count == 1)
            {
                yield return F($"note: {strategy.Name}: {notes[0]}");
            }
            else if (notes.Count > 1)
            {
                yield return F($"note: {strategy.Name} left {notes.Count} notes{(strategy.Warnings.Count >= 100 ? " among the first 100 it kept" : string.Empty)}; the first: {notes[0]}; the last: {notes[^1]}");
            }
        }
    }

    /// <summary>
    /// The headline comparison: the share of the reactive-to-oracle gap predictive closes, and its ratios; and, when
    /// predictive moved more than twice reactive's bytes without overloading less, which settings trade that insurance away.
    /// </summary>
    internal static IEnumerable<string> Comparison(SimulationReport report, bool suggestBurstLevel = true, bool suggestSingleKeys = true, bool suggestByteBudget = false, bool suggestPlannedMoveOverhead = true)
    {
        var predictive = report.Find(StrategyNames.Predictive);
        var reactive = report.Find(StrategyNames.Reactive);
        var oracle = report.Find(StrategyNames.Oracle);
        var published = report.Find(StrategyNames.ReactiveDefault);
        if (predictive is null)
        {
            yield break;
        }

        if (reactive is not null && oracle is not null)
        {
            var gap = reactive.OverloadNodeMinutes - oracle.OverloadNodeMinutes;
            var closed = reactive.OverloadNodeMinutes - predictive.OverloadNodeMinutes;
            yield return gap > 0
                ? F($"predictive closes {closed / gap:P0} of the gap between the best reactive ({reactive.OverloadNodeMinutes:0.#}) and oracle ({oracle.OverloadNodeMinutes:0.#}) overloaded node-minutes (target ≥ 50%)")
                : F($"the best reactive ({reactive.OverloadNodeMinutes:0.#}) is already at or below oracle ({oracle.OverloadNodeMinutes:0.#}) overloaded node-minutes: this trace gives prediction little to win; predictive: {predictive.OverloadNodeMinutes:0.#}");

            // A gap of a node-step or two out of hundreds (a key hotter than a node overloads every strategy alike) makes
            // the share closed swing from -100% to 100% on one step: say that the trace leaves little to win.
            if (gap > 0 && gap < CloseGapShare * reactive.OverloadNodeMinutes)
            {
                var unavoidable = report.UnavoidableNodeSteps * report.Step.TotalMinutes;
                yield return F($"reactive and oracle are already close (oracle {oracle.OverloadNodeMinutes:0.#} against reactive's {reactive.OverloadNodeMinutes:0.#} overloaded node-minutes, {gap / reactive.OverloadNodeMinutes:P1} apart{(unavoidable > 0 ? F($"; {unavoidable:0.#} no strategy can avoid") : string.Empty)}): this trace gives prediction little to win");
            }
        }

        if (reactive is not null && MoveOverloadNote(predictive.OverloadNodeMinutes, predictive.MoveOverloadNodeMinutes, reactive.OverloadNodeMinutes, reactive.MoveOverloadNodeMinutes, suggestPlannedMoveOverhead) is { } note)
        {
            yield return note;
        }

        if (reactive is not null)
        {
            yield return reactive.BytesMoved > 0
                ? F($"predictive moved {(double)predictive.BytesMoved / reactive.BytesMoved:0.##} × the bytes of the best reactive (target ≤ 2)")
                : F($"the best reactive moved nothing; predictive moved {predictive.BytesMoved / (1 << 20):0.#} MiB");

            if (InsuranceHint(predictive.BytesMoved, predictive.OverloadNodeMinutes, reactive.BytesMoved, reactive.OverloadNodeMinutes, suggestByteBudget, suggestBurstLevel, suggestSingleKeys) is { } hint)
            {
                yield return hint;
            }
        }

        if (published is not null)
        {
            yield return published.OverloadNodeMinutes > 0
                ? F($"predictive / reactive-default overloaded node-minutes: {predictive.OverloadNodeMinutes / published.OverloadNodeMinutes:0.###}")
                : F($"reactive-default had no overload; predictive: {predictive.OverloadNodeMinutes:0.#} node-minutes");
        }
    }

    /// <summary>
    /// The case the README's fan-out-1 table showed: burst bounds summed per node keep ordinary nodes at the edge of capacity
    /// and the plan keeps buying insurance the trace never calls on. Says which knobs trade it away, leaving out the ones
    /// already in use; null when predictive moved at most twice reactive's bytes or overloaded less.
    /// </summary>
    internal static string? InsuranceHint(long predictiveBytes, double predictiveOverload, long reactiveBytes, double reactiveOverload, bool suggestByteBudget, bool suggestBurstLevel, bool suggestSingleKeys)
    {
        if (reactiveBytes <= 0 || predictiveBytes <= 2 * reactiveBytes || predictiveOverload < reactiveOverload)
        {
            return null;
        }

        var burstLevel = suggestBurstLevel
            ? "on per-minute or finer counts --burst-level-steps 10 grows each burst bound from a ten-step median instead of the last count (fewer moves, but a real rise is followed later), and "
            : string.Empty;
        var singleKeys = suggestSingleKeys
            ? "where every hot unit is one key (a function, a tenant), --no-single-key-burst-bound leaves partitions of one key out of the bound, "
            : string.Empty;
        var byteBudget = suggestByteBudget
            ? "--reactive-byte-budget 1 (the default) holds its bytes to what reactive at the published QPS threshold moves plus one round of move slots, "
            : string.Empty;
        return "hint: predictive moved more than twice reactive's bytes without overloading less, insurance this trace did not use; " + byteBudget + burstLevel + singleKeys + "a higher --move-cost prices every move up";
    }

    /// <summary>
    /// Where predictive overloads more than the best reactive and its own copies put nodes over that their requests alone
    /// would not have, how much of its overload that is (on fresh synthetic draws at per-minute steps, about half of the
    /// excess); null otherwise.
    /// </summary>
    internal static string? MoveOverloadNote(double predictive, double predictiveByMoves, double reactive, double reactiveByMoves, bool suggestPlannedMoveOverhead) =>
        predictive > reactive && predictiveByMoves > 0
            ? F($"predictive overloaded {predictive - reactive:0.#} node-minutes more than the best reactive; {predictiveByMoves:0.#} of its overloaded node-minutes were on nodes whose requests alone were within capacity (its own moves' copy load put them over; reactive's: {reactiveByMoves:0.#})")
                + (suggestPlannedMoveOverhead ? "; --planned-move-overhead tells the planners that load" : string.Empty)
            : null;

    private static Table Strategies(IReadOnlyList<StrategyResult> results, string first, bool settingFirst = false)
    {
        var table = new Table().Border(TableBorder.Ascii);
        table.AddColumn(first);
        foreach (var header in new[] { "overload node-min", "of it by copies", "overloaded req share", "p99 util", "splits", "moves", "MiB moved", "forecast s", "plan s" })
        {
            table.AddColumn(new TableColumn(header).RightAligned());
        }

        if (!settingFirst)
        {
            table.AddColumn("setting");
        }

        foreach (var r in results)
        {
            var cells = new List<string>
            {
                settingFirst ? r.Setting : r.Name,
                F($"{r.OverloadNodeMinutes:0.#}"),
                F($"{r.MoveOverloadNodeMinutes:0.#}"),
                F($"{r.OverloadedRequestShare:P2}"),
                F($"{r.P99Utilization:0.###}"),
                F($"{r.Splits}"),
                F($"{r.Moves}"),
                F($"{r.BytesMoved / (double)(1 << 20):0.#}"),
                F($"{r.ForecastSeconds:0.##}"),
                F($"{r.PlanSeconds:0.##}"),
            };
            if (!settingFirst)
            {
                cells.Add(r.Setting);
            }

            table.AddRow(cells.Select(Markup.Escape).ToArray());
        }

        return table;
    }

    private static string F(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
