using System.Globalization;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace PredictiveSharding.Benchmarks.Execution;

/// <summary>
/// A summary column with a percentile of the per-operation samples a benchmark put in <see cref="SampleRecorder"/>
/// (e.g. foreground p99 latency while a move runs, or the cut-over fence's p50 and max), over the measured iterations.
/// A benchmark that records several series per case (say "idle" and "moving" windows of the same iteration) names one.
/// </summary>
public sealed class RecordedPercentileColumn : IColumn
{
    private readonly string _what;
    private readonly double _percentile;
    private readonly string? _series;

    /// <summary>Creates the column.</summary>
    /// <param name="what">What the samples are, for the header (e.g. "op", "fence").</param>
    /// <param name="percentile">0–100; 100 is the maximum.</param>
    /// <param name="series">The series of the case to read (<see cref="SeriesKey"/>), or null for the case's only one.</param>
    public RecordedPercentileColumn(string what, double percentile, string? series = null)
    {
        _what = series is null ? what : series + " " + what;
        _percentile = percentile;
        _series = series;
    }

    /// <inheritdoc />
    public string Id => $"{nameof(RecordedPercentileColumn)}.{_what}.{_percentile.ToString(CultureInfo.InvariantCulture)}";

    /// <inheritdoc />
    public string ColumnName => PercentileName(_what, _percentile) + " (ms)";

    /// <inheritdoc />
    public bool AlwaysShow => true;

    /// <inheritdoc />
    public ColumnCategory Category => ColumnCategory.Custom;

    /// <inheritdoc />
    public int PriorityInCategory => (int)_percentile;

    /// <inheritdoc />
    public bool IsNumeric => true;

    /// <inheritdoc />
    public UnitType UnitType => UnitType.Dimensionless;

    /// <inheritdoc />
    public string Legend => $"{ColumnName}: over every recorded {_what} of the measured iterations (nearest rank)";

    /// <summary>The key a benchmark records under: its method name and its parameter values.</summary>
    public static string CaseKey(string method, params object?[] parameters) =>
        method + "(" + string.Join(",", parameters.Select(p => Convert.ToString(p, CultureInfo.InvariantCulture))) + ")";

    /// <summary>The key of one of several series a case records (e.g. "idle" and "moving").</summary>
    public static string SeriesKey(string caseKey, string? series) => series is null ? caseKey : caseKey + "/" + series;

    /// <summary>The key <paramref name="benchmarkCase"/> recorded <paramref name="series"/> under.</summary>
    internal static string KeyOf(BenchmarkCase benchmarkCase, string? series) =>
        SeriesKey(CaseKey(benchmarkCase.Descriptor.WorkloadMethod.Name, benchmarkCase.Parameters.Items.Select(p => p.Value).ToArray()), series);

    /// <summary>How many of the recorded iterations are measured ones (the rest are warm-up).</summary>
    internal static int MeasuredIterationCount(BenchmarkCase benchmarkCase) =>
        benchmarkCase.Job.Run.IterationCount > 0 ? benchmarkCase.Job.Run.IterationCount : int.MaxValue;

    /// <summary>"x p99", or "x max" for the 100th percentile.</summary>
    internal static string PercentileName(string what, double percentile) =>
        percentile >= 100 ? $"{what} max" : $"{what} p{percentile.ToString(CultureInfo.InvariantCulture)}";

    /// <inheritdoc />
    public string GetValue(Summary summary, BenchmarkCase benchmarkCase)
    {
        ArgumentNullException.ThrowIfNull(benchmarkCase);
        var samples = SampleRecorder.Measured(KeyOf(benchmarkCase, _series), MeasuredIterationCount(benchmarkCase));
        var value = SampleRecorder.Percentile(samples, _percentile);
        return double.IsNaN(value) ? "-" : value.ToString("0.000", CultureInfo.InvariantCulture) + $" (n={samples.Count})";
    }

    /// <inheritdoc />
    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style) => GetValue(summary, benchmarkCase);

    /// <inheritdoc />
    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

    /// <inheritdoc />
    public bool IsAvailable(Summary summary) => true;

    /// <inheritdoc />
    public override string ToString() => ColumnName;
}
