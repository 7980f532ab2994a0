using System.Globalization;
using CsvHelper;
using CsvHelper.Configuration;
using PredictiveSharding.Simulation;

namespace PredictiveSharding.Cli.Commands;

/// <summary>
/// The CSV of <c>psharding simulate --utilization-csv</c>: the figures behind the plot, one row per strategy, step and
/// node (<c>strategy,step,timestamp,node,utilization,measured</c>; timestamps in UTC, ISO-8601, with a fraction of a second when a step starts within one), so a reader can find the steps where a strategy
/// overloads and compare strategies there. <c>measured</c> is false during the warm-up, which no metric counts: the
/// overloaded node-minutes of a strategy are its measured rows with utilisation above 1, times the step in minutes.
/// </summary>
internal static class SimulateUtilizationCsv
{
    private static readonly CsvConfiguration Configuration = new(CultureInfo.InvariantCulture) { NewLine = "\n" };

    /// <summary>Writes the report's per-node utilisation to <paramref name="path"/> (replacing it).</summary>
    /// <exception cref="IOException">The file cannot be written.</exception>
    /// <exception cref="UnauthorizedAccessException">The file or its folder may not be written.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled; the file is cut off.</exception>
    public static void Write(SimulationReport report, string path, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(report);
        using var writer = new StreamWriter(path, append: false, new System.Text.UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
        Write(report, writer, cancellationToken);
    }

    /// <summary>Writes the report's per-node utilisation as CSV with a header row, stopping between steps when cancelled.</summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public static void Write(SimulationReport report, TextWriter writer, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(writer);
        using var csv = new CsvWriter(writer, Configuration, leaveOpen: true);
        foreach (var header in (ReadOnlySpan<string>)["strategy", "step", "timestamp", "node", "utilization", "measured"])
        {
            csv.WriteField(header);
        }

        csv.NextRecord();
        foreach (var strategy in report.Strategies)
        {
            for (var step = 0; step < strategy.Steps; step++)
            {
                // A long trace on many nodes writes millions of rows: Ctrl+C must not wait for the last of them.
                cancellationToken.ThrowIfCancellationRequested();
                // To the tick: an inferred grid starts at the trace's first timestamp, which may lie within a second.
                // The fraction and its point are left out when it is zero, as before.
                var timestamp = (report.Start + (report.Step * step)).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture);
                var measured = step >= report.WarmupSteps ? "true" : "false";
                for (var node = 0; node < strategy.Nodes; node++)
                {
                    csv.WriteField(strategy.Name);
                    csv.WriteField(step);
                    csv.WriteField(timestamp);
                    csv.WriteField(node);

                    // Round-trip precision: a value just above 1 must read back above 1.
                    csv.WriteField(strategy.UtilizationAt(step, node).ToString("R", CultureInfo.InvariantCulture));
                    csv.WriteField(measured);
                    csv.NextRecord();
                }
            }
        }

        csv.Flush();
    }
}
