using System.Globalization;
using PredictiveSharding.Simulation;
using ScottPlot;

namespace PredictiveSharding.Cli.Commands;

/// <summary>
/// The PNG of <c>psharding simulate --plot</c>: one panel per strategy, stacked, every node's utilisation over the trace
/// (warm-up shaded off by a vertical line) and the capacity line at 1, so where each strategy overloads shows at a glance.
/// </summary>
internal static class SimulatePlot
{
    private const int Width = 1400;
    private const int PanelHeight = 260;

    public static void Write(SimulationReport report, string path)
    {
        ArgumentNullException.ThrowIfNull(report);
        var multiplot = new Multiplot();
        var stepHours = report.Step.TotalHours;
        var top = 1.2;
        foreach (var strategy in report.Strategies)
        {
            for (var s = 0; s < strategy.Steps; s++)
            {
                for (var n = 0; n < strategy.Nodes; n++)
                {
                    top = Math.Max(top, strategy.UtilizationAt(s, n) * 1.05);
                }
            }
        }

        for (var i = 0; i < report.Strategies.Count; i++)
        {
            // A new multiplot holds one empty plot: the first strategy uses it, the others are added below it.
            var strategy = report.Strategies[i];
            var plot = i == 0 ? multiplot.GetPlot(0) : multiplot.AddPlot();
            for (var n = 0; n < strategy.Nodes; n++)
            {
                var ys = new double[strategy.Steps];
                for (var s = 0; s < ys.Length; s++)
                {
                    ys[s] = strategy.UtilizationAt(s, n);
                }

                var signal = plot.Add.Signal(ys, stepHours);
                signal.LineWidth = 1;
            }

            var capacity = plot.Add.HorizontalLine(1.0);
            capacity.Color = Colors.Black;
            capacity.LinePattern = LinePattern.Dashed;
            capacity.LineWidth = 2;
            capacity.LegendText = "capacity";
            var warmup = plot.Add.VerticalLine(report.WarmupSteps * stepHours);
            warmup.Color = Colors.Gray;
            warmup.LinePattern = LinePattern.Dotted;
            plot.Title(string.Create(CultureInfo.InvariantCulture, $"{strategy.Name}: {strategy.OverloadNodeMinutes:0.#} overloaded node-minutes, p99 utilisation {strategy.P99Utilization:0.00}, {strategy.Moves} moves, {strategy.Splits} splits"));
            plot.YLabel("node utilisation");
            plot.XLabel("hours since trace start (dotted: end of warm-up)");
            plot.Axes.SetLimitsY(0, top);
        }

        multiplot.SavePng(path, Width, PanelHeight * Math.Max(1, report.Strategies.Count));
    }
}
