using System.Diagnostics.Metrics;

namespace PredictiveSharding.Planning.OrTools;

/// <summary>Counters of <see cref="CpSatShardPlanner"/>, on a meter named after the package so OpenTelemetry can pick them up.</summary>
internal static class CpSatPlannerMetrics
{
    public const string MeterName = "PredictiveSharding.Planning.OrTools";

    private static readonly Meter Meter = new(MeterName);

    public static readonly Counter<long> Plans = Meter.CreateCounter<long>("psharding.cpsat.plans", unit: "{plan}", description: "Plans made by the CP-SAT planner, tagged with whether optimality was proven.");

    public static readonly Histogram<double> PlanTime = Meter.CreateHistogram<double>("psharding.cpsat.plan_time", unit: "ms", description: "Time the CP-SAT planner took per plan.");

    public static readonly Counter<long> MovedBytes = Meter.CreateCounter<long>("psharding.cpsat.moved_bytes", unit: "By", description: "Bytes the CP-SAT planner's plans move.");
}
