using System.Collections.Concurrent;
using System.Globalization;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace PredictiveSharding.Benchmarks.Planning;

/// <summary>
/// Summary columns of <see cref="OptimalityGapBenchmarks"/>: the predicted peak utilisation of each planner's last
/// measured plan, its gap to CP-SAT's plan and to CP-SAT's proven lower bound, whether CP-SAT proved optimality, how far
/// CP-SAT's proven bound lies above the placement-free lower bound (where it does, the instance's optimum is not mere
/// balance), and the process CPU time of the plan.
/// </summary>
public sealed class OptimalityGapColumn : IColumn
{
    private static readonly ConcurrentDictionary<string, Outcome> Outcomes = new(StringComparer.Ordinal);
    private readonly Measure _measure;

    /// <summary>Creates the column.</summary>
    public OptimalityGapColumn(Measure measure) => _measure = measure;

    /// <summary>What the column shows.</summary>
    public enum Measure
    {
        /// <summary>After.MaxUtilization.</summary>
        Peak,

        /// <summary>Peak / CP-SAT's peak on the same instance − 1.</summary>
        GapToCpSat,

        /// <summary>Peak / CP-SAT's lower bound − 1.</summary>
        GapToBound,

        /// <summary>Whether CP-SAT proved its plan optimal (CP-SAT rows only).</summary>
        Proven,

        /// <summary>CP-SAT's proven lower bound / the placement-free lower bound − 1 (CP-SAT rows only).</summary>
        BoundAbovePlacementFree,

        /// <summary>Process CPU milliseconds of the plan.</summary>
        CpuMilliseconds,
    }

    /// <summary>Records a planner's latest plan on an instance (<paramref name="size"/>).</summary>
    /// <param name="method">The benchmark method (Genetic or CpSat).</param>
    /// <param name="size">The instance.</param>
    /// <param name="peak">Predicted peak utilisation after the plan.</param>
    /// <param name="bound">CP-SAT's proven lower bound on the peak utilisation (NaN for the GA).</param>
    /// <param name="proven">Whether CP-SAT proved optimality (null for the GA).</param>
    /// <param name="placementFreeBound">The instance's placement-free lower bound on the peak utilisation (<see cref="OptimalityGapInstances.PlacementFreeLowerBound"/>).</param>
    /// <param name="cpuMilliseconds">Process CPU time the plan used.</param>
    public static void Record(string method, string size, double peak, double bound, bool? proven, double placementFreeBound, double cpuMilliseconds) =>
        Outcomes[method + "/" + size] = new Outcome(peak, bound, proven, placementFreeBound, cpuMilliseconds);

    /// <inheritdoc />
    public string Id => nameof(OptimalityGapColumn) + "." + _measure;

    /// <inheritdoc />
    public string ColumnName => _measure switch
    {
        Measure.Peak => "Peak",
        Measure.GapToCpSat => "Gap to CP-SAT",
        Measure.GapToBound => "Gap to bound",
        Measure.Proven => "Proven",
        Measure.BoundAbovePlacementFree => "Bound above LB",
        _ => "CPU (ms)",
    };

    /// <inheritdoc />
    public bool AlwaysShow => true;

    /// <inheritdoc />
    public ColumnCategory Category => ColumnCategory.Custom;

    /// <inheritdoc />
    public int PriorityInCategory => (int)_measure;

    /// <inheritdoc />
    public bool IsNumeric => _measure != Measure.Proven;

    /// <inheritdoc />
    public UnitType UnitType => UnitType.Dimensionless;

    /// <inheritdoc />
    public string Legend => _measure switch
    {
        Measure.Peak => "Peak: predicted peak utilisation of the plan (load at q0.9 / capacity, max over nodes, resources, steps)",
        Measure.GapToCpSat => "Gap to CP-SAT: Peak / CP-SAT's Peak on the same instance − 1 (negative: better than CP-SAT's best within its time limit)",
        Measure.GapToBound => "Gap to bound: Peak / CP-SAT's proven lower bound − 1 (0 = optimal)",
        Measure.Proven => "Proven: CP-SAT proved its plan optimal within its time limit",
        Measure.BoundAbovePlacementFree => "Bound above LB: CP-SAT's proven lower bound / max(total load / total capacity, heaviest partition on its best node) − 1 (above 0: CP-SAT proved the optimum lies above that bound)",
        _ => "CPU (ms): process CPU time of the last measured plan, all threads",
    };

    /// <inheritdoc />
    public string GetValue(Summary summary, BenchmarkCase benchmarkCase)
    {
        ArgumentNullException.ThrowIfNull(benchmarkCase);
        var size = Convert.ToString(benchmarkCase.Parameters["Size"], CultureInfo.InvariantCulture) ?? string.Empty;
        if (!Outcomes.TryGetValue(benchmarkCase.Descriptor.WorkloadMethod.Name + "/" + size, out var outcome))
        {
            return "-";
        }

        Outcomes.TryGetValue(nameof(OptimalityGapBenchmarks.CpSat) + "/" + size, out var cpSat);
        return _measure switch
        {
            Measure.Peak => outcome.Peak.ToString("0.0000", CultureInfo.InvariantCulture),
            Measure.GapToCpSat => cpSat is null ? "-" : ((outcome.Peak / cpSat.Peak) - 1).ToString("P2", CultureInfo.InvariantCulture),
            Measure.GapToBound => cpSat is null || !(cpSat.Bound > 0) ? "-" : ((outcome.Peak / cpSat.Bound) - 1).ToString("P2", CultureInfo.InvariantCulture),
            Measure.Proven => outcome.Proven is { } proven ? (proven ? "yes" : "no") : "-",
            Measure.BoundAbovePlacementFree => outcome.Proven is null || !(outcome.Bound > 0) ? "-" : ((outcome.Bound / outcome.PlacementFreeBound) - 1).ToString("P2", CultureInfo.InvariantCulture),
            _ => outcome.CpuMilliseconds.ToString("0", CultureInfo.InvariantCulture),
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

    private sealed record Outcome(double Peak, double Bound, bool? Proven, double PlacementFreeBound, double CpuMilliseconds);
}
