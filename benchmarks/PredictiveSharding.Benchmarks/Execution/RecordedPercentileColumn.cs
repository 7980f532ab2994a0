using System.Globalization;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace PredictiveSharding.Benchmarks.Execution;

/// <summary>
/// A summary column with a percentile of the per-operation samples a benchmark put in <see cref="SampleRecorder"/>
/// (e.g. foreground p99 latency while a move runs, or the cut-over fence's p50 and max), over the measured iterations.
/// </summary>
public sealed class RecordedPercentileColumn : IColumn
{
    private readonly string _what;
    private readonly double _percentile;

    /// <summary>Creates the column.</summary>
    /// <param name="what">What the samples are, for the header (e.g. "op", "fence").</param>
    /// <param name="percentile">0–100; 100 is the maximum.</param>
    public RecordedPercentileColumn(string what, double percentile)
    {
        _what = what;
        _percentile = percentile;
    }

    /// <inheritdoc />
    public string Id => $"{nameof(RecordedPercentileColumn)}.{_what}.{_percentile.ToString(CultureInfo.InvariantCulture)}";

    /// <inheritdoc />
    public string ColumnName => _percentile >= 100 ? $"{_what} max (ms)" : $"{_what} p{_percentile.ToString(CultureInfo.InvariantCulture)} (ms)";

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

    /// <inheritdoc />
    public string GetValue(Summary summary, BenchmarkCase benchmarkCase)
    {
        ArgumentNullException.ThrowIfNull(benchmarkCase);
        var key = CaseKey(benchmarkCase.Descriptor.WorkloadMethod.Name, benchmarkCase.Parameters.Items.Select(p => p.Value).ToArray());
        var iterations = benchmarkCase.Job.Run.IterationCount;
        var samples = SampleRecorder.Measured(key, iterations > 0 ? iterations : int.MaxValue);
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
