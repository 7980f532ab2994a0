using PredictiveSharding.Telemetry;
using PredictiveSharding.Traces;

namespace PredictiveSharding.Cli.Commands;

/// <summary>Reads forecast-eval's input through PredictiveSharding.Traces.</summary>
internal static class ForecastEvalInput
{
    /// <summary>
    /// Reads <c>timestamp,series,value</c> (or a <c>timestamp,key,count</c> key trace, one series per key with explicit
    /// zeros) and, when <paramref name="step"/> is given, sums the samples of each step (steps aligned to the Unix epoch;
    /// a series' first or last step its samples cover only in part is left out).
    /// </summary>
    /// <exception cref="FileNotFoundException">No such file, or a folder.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    /// <exception cref="TraceFormatException">Malformed content, a key trace with the empty key, or a step that is not a whole multiple of a regular file's step.</exception>
    public static IReadOnlyList<PartitionLoadSeries> Read(string path, TimeSpan? step, CancellationToken cancellationToken = default)
    {
        CliPaths.RequireInputFile("--input", path);

        IReadOnlyList<PartitionLoadSeries> series;
        if (IsKeyTrace(path))
        {
            // A key trace omits zero rows, so it is read as counts per key and step (missing = zero requests).
            var trace = TraceCsv.ReadKeyTrace(path, step, cancellationToken);
            if (trace.Keys.Any(k => k.IsEmpty))
            {
                // A key trace may hold the empty key; a series to evaluate is named by its key and cannot be.
                throw new TraceFormatException($"{path}: rows with an empty key cannot be evaluated as a series (a series needs a name); give them a key or leave them out.");
            }

            series = trace.ToSeries();
        }
        else
        {
            // The step goes to the reader, which sums the samples of each step: reading at an inferred step first and
            // summing afterwards added the samples the reader interpolated into the gaps of an irregular file (two
            // samples a minute read as three), and refused a file with two samples in one inferred step outright.
            series = step is { } s ? TraceCsv.ReadSeriesInWholeSteps(path, s, cancellationToken) : TraceCsv.ReadSeries(path, null, cancellationToken);
        }

        return series;
    }

    private static bool IsKeyTrace(string path)
    {
        // The header is the first line that is not empty, as the CSV reader takes it: a file starting with a blank line was
        // taken for a series file and refused ("no 'series' column in header 'timestamp,key,count'").
        using var reader = File.OpenText(path);
        var header = reader.ReadLine() ?? string.Empty;
        while (header.Length == 0 && reader.ReadLine() is { } next)
        {
            header = next;
        }

        var columns = header.Split(',', StringSplitOptions.TrimEntries).Select(c => c.Trim('"').ToLowerInvariant()).ToArray();
        return columns.Contains("key") && !columns.Contains("series");
    }
}
