using System.Collections.Concurrent;
using System.Globalization;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace PredictiveSharding.Benchmarks.Planning;

/// <summary>
/// A summary column with what a planning benchmark recorded about its last measured plan: the predicted peak
/// utilisation over the lower bound (1.000 = provably optimal), the share of all bytes it moves, or the process CPU
/// time the plan used (the wall time of a shared machine says little on its own).
/// </summary>
public sealed class GeneticPlannerQualityColumn : IColumn
{
    private static readonly ConcurrentDictionary<string, double[]> Records = new(StringComparer.Ordinal);
    private readonly Measure _measure;

    /// <summary>Creates the column.</summary>
    public GeneticPlannerQualityColumn(Measure measure) => _measure = measure;

    /// <summary>What the column shows.</summary>
    public enum Measure
    {
        /// <summary>After.MaxUtilization / lower bound.</summary>
        PeakOverLowerBound,

        /// <summary>Moved bytes / all bytes.</summary>
        MovedShare,

        /// <summary>Process CPU milliseconds of the plan.</summary>
        CpuMilliseconds,
    }

    /// <summary>Records the outcome of a case's latest plan.</summary>
    public static void Record(string caseKey, double peakOverLowerBound, double movedShare, double cpuMilliseconds) =>
        Records[caseKey] = [peakOverLowerBound, movedShare, cpuMilliseconds];

    /// <summary>The key a benchmark records under: its method name and its parameter values.</summary>
    public static string CaseKey(string method, params object?[] parameters) =>
        method + "(" + string.Join(",", parameters.Select(p => Convert.ToString(p, CultureInfo.InvariantCulture))) + ")";

    /// <inheritdoc />
    public string Id => nameof(GeneticPlannerQualityColumn) + "." + _measure;

    /// <inheritdoc />
    public string ColumnName => _measure switch
    {
        Measure.PeakOverLowerBound => "Peak/LB",
        Measure.MovedShare => "Moved share",
        _ => "CPU (ms)",
    };

    /// <inheritdoc />
    public bool AlwaysShow => true;

    /// <inheritdoc />
    public ColumnCategory Category => ColumnCategory.Custom;

    /// <inheritdoc />
    public int PriorityInCategory => (int)_measure;

    /// <inheritdoc />
    public bool IsNumeric => true;

    /// <inheritdoc />
    public UnitType UnitType => UnitType.Dimensionless;

    /// <inheritdoc />
    public string Legend => _measure switch
    {
        Measure.PeakOverLowerBound => "Peak/LB: predicted peak utilisation of the plan over max(total load / total capacity, heaviest shard on its best node)",
        Measure.MovedShare => "Moved share: bytes the plan moves over all stored bytes",
        _ => "CPU (ms): process CPU time of the last measured plan, all threads",
    };

    /// <inheritdoc />
    public string GetValue(Summary summary, BenchmarkCase benchmarkCase)
    {
        ArgumentNullException.ThrowIfNull(benchmarkCase);
        var key = CaseKey(benchmarkCase.Descriptor.WorkloadMethod.Name, benchmarkCase.Parameters.Items.Select(p => p.Value).ToArray());
        if (!Records.TryGetValue(key, out var values))
        {
            return "-";
        }

        return _measure switch
        {
            Measure.PeakOverLowerBound => values[0].ToString("0.0000", CultureInfo.InvariantCulture),
            Measure.MovedShare => values[1].ToString("P1", CultureInfo.InvariantCulture),
            _ => values[2].ToString("0", CultureInfo.InvariantCulture),
        };
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
