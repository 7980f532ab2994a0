using System.Globalization;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace PredictiveSharding.Benchmarks.Execution;

/// <summary>
/// The ratio of a percentile of one recorded series to the same percentile of another series recorded in the same
/// iterations (say foreground p99 while a move runs ÷ p99 while idle, or a move's time ÷ a plain copy's), computed in each
/// measured iteration and summarised by the median over iterations. Why per iteration: the two series then share the
/// machine's state of the moment (its load, page cache, the databases' shape), which on a shared two-core machine moves
/// each series by more than the effect measured; comparing cases run minutes apart could not separate the two.
/// </summary>
public sealed class RecordedRatioColumn : IColumn
{
    private readonly string _what;
    private readonly double _percentile;
    private readonly string _numerator;
    private readonly string _denominator;

    /// <summary>Creates the column.</summary>
    /// <param name="what">What the samples are, for the header (e.g. "op", "time").</param>
    /// <param name="percentile">0–100; 100 is the maximum.</param>
    /// <param name="numerator">The series above the fraction bar.</param>
    /// <param name="denominator">The series below it.</param>
    public RecordedRatioColumn(string what, double percentile, string numerator, string denominator)
    {
        _what = what;
        _percentile = percentile;
        _numerator = numerator;
        _denominator = denominator;
    }

    /// <inheritdoc />
    public string Id => $"{nameof(RecordedRatioColumn)}.{_what}.{_percentile.ToString(CultureInfo.InvariantCulture)}.{_numerator}.{_denominator}";

    /// <inheritdoc />
    public string ColumnName => $"{RecordedPercentileColumn.PercentileName(_what, _percentile)} {_numerator}/{_denominator}";

    /// <inheritdoc />
    public bool AlwaysShow => true;

    /// <inheritdoc />
    public ColumnCategory Category => ColumnCategory.Custom;

    /// <inheritdoc />
    public int PriorityInCategory => 1000;

    /// <inheritdoc />
    public bool IsNumeric => true;

    /// <inheritdoc />
    public UnitType UnitType => UnitType.Dimensionless;

    /// <inheritdoc />
    public string Legend =>
        $"{ColumnName}: median over the measured iterations of each iteration's {_numerator} ÷ {_denominator} {RecordedPercentileColumn.PercentileName(_what, _percentile)} (min–max in brackets), and the ratio of the percentiles over all samples of the measured iterations (pooled)";

    /// <summary>Each iteration's ratio, in iteration order; iterations where either series is empty are skipped.</summary>
    public static IReadOnlyList<double> IterationRatios(IReadOnlyList<IReadOnlyList<double>> numerator, IReadOnlyList<IReadOnlyList<double>> denominator, double percentile)
    {
        ArgumentNullException.ThrowIfNull(numerator);
        ArgumentNullException.ThrowIfNull(denominator);
        var ratios = new List<double>();
        for (var i = 0; i < Math.Min(numerator.Count, denominator.Count); i++)
        {
            var top = SampleRecorder.Percentile(numerator[i], percentile);
            var bottom = SampleRecorder.Percentile(denominator[i], percentile);
            if (!double.IsNaN(top) && !double.IsNaN(bottom) && bottom > 0)
            {
                ratios.Add(top / bottom);
            }
        }

        return ratios;
    }

    /// <inheritdoc />
    public string GetValue(Summary summary, BenchmarkCase benchmarkCase)
    {
        ArgumentNullException.ThrowIfNull(benchmarkCase);
        var iterations = RecordedPercentileColumn.MeasuredIterationCount(benchmarkCase);
        var top = SampleRecorder.MeasuredIterations(RecordedPercentileColumn.KeyOf(benchmarkCase, _numerator), iterations);
        var bottom = SampleRecorder.MeasuredIterations(RecordedPercentileColumn.KeyOf(benchmarkCase, _denominator), iterations);
        var ratios = IterationRatios(top, bottom, _percentile);
        if (ratios.Count == 0)
        {
            return "-";
        }

        // Pooled: the percentile over every sample of each series; the series alternate within every iteration, so both
        // pools span the same stretch of time.
        var pooled = SampleRecorder.Percentile(top.SelectMany(i => i).ToArray(), _percentile) / SampleRecorder.Percentile(bottom.SelectMany(i => i).ToArray(), _percentile);
        var median = SampleRecorder.Median(ratios);
        return string.Create(CultureInfo.InvariantCulture, $"{median:0.00} ({ratios.Min():0.00}–{ratios.Max():0.00}, n={ratios.Count}; pooled {pooled:0.00})");
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
