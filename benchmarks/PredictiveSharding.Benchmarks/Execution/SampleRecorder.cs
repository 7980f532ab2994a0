using System.Collections.Concurrent;

namespace PredictiveSharding.Benchmarks.Execution;

/// <summary>
/// Per-operation samples (milliseconds) recorded by a benchmark, per case and per iteration, for
/// <see cref="RecordedPercentileColumn"/> to read. It works because <see cref="ExecutionBenchmarkConfig"/> runs the
/// benchmarks in-process, so the column and the benchmark share these statics.
/// </summary>
public static class SampleRecorder
{
    private static readonly ConcurrentDictionary<string, List<List<double>>> Iterations = new(StringComparer.Ordinal);

    /// <summary>Starts a new iteration for a case; later samples go to it.</summary>
    public static void BeginIteration(string caseKey)
    {
        var iterations = Iterations.GetOrAdd(caseKey, _ => []);
        lock (iterations)
        {
            iterations.Add([]);
        }
    }

    /// <summary>Adds a sample to the case's current iteration.</summary>
    public static void Add(string caseKey, double milliseconds)
    {
        var iterations = Iterations.GetOrAdd(caseKey, _ => [[]]);
        lock (iterations)
        {
            iterations[^1].Add(milliseconds);
        }
    }

    /// <summary>The samples of the last <paramref name="lastIterations"/> iterations (the measured ones; earlier ones are warm-up).</summary>
    public static IReadOnlyList<double> Measured(string caseKey, int lastIterations) =>
        MeasuredIterations(caseKey, lastIterations).SelectMany(i => i).ToArray();

    /// <summary>The samples of each of the last <paramref name="lastIterations"/> iterations, oldest first.</summary>
    public static IReadOnlyList<IReadOnlyList<double>> MeasuredIterations(string caseKey, int lastIterations)
    {
        if (!Iterations.TryGetValue(caseKey, out var iterations))
        {
            return [];
        }

        lock (iterations)
        {
            return iterations.Skip(Math.Max(0, iterations.Count - lastIterations)).Select(i => (IReadOnlyList<double>)i.ToArray()).ToArray();
        }
    }

    /// <summary>
    /// The median of the samples: the middle one, or the mean of the two middle ones when their count is even; NaN when
    /// there are none. (The nearest-rank 50th percentile is the lower of the two middle ones for an even count.)
    /// </summary>
    public static double Median(IReadOnlyList<double> samples)
    {
        ArgumentNullException.ThrowIfNull(samples);
        if (samples.Count == 0)
        {
            return double.NaN;
        }

        var sorted = samples.Order().ToArray();
        var middle = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }

    /// <summary>The <paramref name="percentile"/> (0–100) of the samples, nearest-rank; NaN when there are none.</summary>
    public static double Percentile(IReadOnlyList<double> samples, double percentile)
    {
        if (samples.Count == 0)
        {
            return double.NaN;
        }

        var sorted = samples.Order().ToArray();
        var rank = (int)Math.Ceiling(percentile / 100 * sorted.Length);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)];
    }
}
