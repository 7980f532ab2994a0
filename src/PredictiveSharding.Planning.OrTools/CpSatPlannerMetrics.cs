using System.Diagnostics.Metrics;

namespace PredictiveSharding.Planning.OrTools;

/// <summary>
/// Counters of <see cref="CpSatShardPlanner"/>, on a meter named after the package so OpenTelemetry can pick them up: the
/// host's (from its <see cref="IMeterFactory"/>, as the genetic planner's and the executor's) or, without one, a meter
/// shared by every planner made without a factory.
/// </summary>
internal sealed class CpSatPlannerMetrics
{
    public const string MeterName = "PredictiveSharding.Planning.OrTools";

    private static readonly Meter SharedMeter = new(MeterName);
    private readonly Counter<long> _plans;
    private readonly Histogram<double> _planTime;
    private readonly Counter<long> _movedBytes;

    public CpSatPlannerMetrics(IMeterFactory? meterFactory)
    {
        var meter = meterFactory?.Create(MeterName) ?? SharedMeter;
        _plans = meter.CreateCounter<long>("psharding.cpsat.plans", unit: "{plan}", description: "Plans made by the CP-SAT planner, tagged with whether optimality was proven.");
        _planTime = meter.CreateHistogram<double>("psharding.cpsat.plan_time", unit: "ms", description: "Time the CP-SAT planner took per plan.");
        _movedBytes = meter.CreateCounter<long>("psharding.cpsat.moved_bytes", unit: "By", description: "Bytes the CP-SAT planner's plans move.");
    }

    public void Record(bool provenOptimal, TimeSpan elapsed, long movedBytes)
    {
        _plans.Add(1, new KeyValuePair<string, object?>("proven_optimal", provenOptimal));
        _planTime.Record(elapsed.TotalMilliseconds);
        _movedBytes.Add(movedBytes);
    }
}
