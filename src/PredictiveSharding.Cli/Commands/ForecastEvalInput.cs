using PredictiveSharding.Telemetry;
using PredictiveSharding.Traces;

namespace PredictiveSharding.Cli.Commands;

/// <summary>Reads forecast-eval's input through PredictiveSharding.Traces.</summary>
internal static class ForecastEvalInput
{
    /// <summary>
    /// Reads <c>timestamp,series,value</c> (or a <c>timestamp,key,count</c> key trace, one series per key with explicit
    /// zeros) and, when <paramref name="step"/> is given, sums the buckets to that step.
    /// </summary>
    /// <exception cref="FileNotFoundException">No such file.</exception>
    /// <exception cref="TraceFormatException">Malformed content, or a key trace with the empty key.</exception>
    /// <exception cref="ArgumentException">The step is not a whole multiple of the file's step.</exception>
    public static IReadOnlyList<PartitionLoadSeries> Read(string path, TimeSpan? step)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"--input: file '{path}' does not exist.", path);
        }

        IReadOnlyList<PartitionLoadSeries> series;
        if (IsKeyTrace(path))
        {
            // A key trace omits zero rows, so it is read as counts per key and step (missing = zero requests).
            var trace = TraceCsv.ReadKeyTrace(path, step);
            if (trace.Keys.Any(k => k.IsEmpty))
            {
                // A key trace may hold the empty key; a series to evaluate is named by its key and cannot be.
                throw new TraceFormatException($"{path}: rows with an empty key cannot be evaluated as a series (a series needs a name); give them a key or leave them out.");
            }

            series = trace.ToSeries();
        }
        else
        {
            series = TraceCsv.ReadSeries(path);
            if (step is { } s)
            {
                series = SeriesResampler.Resample(series, s);
            }
        }

        return series;
    }

    private static bool IsKeyTrace(string path)
    {
        using var reader = File.OpenText(path);
        var header = reader.ReadLine() ?? string.Empty;
        var columns = header.Split(',', StringSplitOptions.TrimEntries).Select(c => c.Trim('"').ToLowerInvariant()).ToArray();
        return columns.Contains("key") && !columns.Contains("series");
    }
}
