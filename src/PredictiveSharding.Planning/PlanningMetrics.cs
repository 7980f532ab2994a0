using System.Diagnostics.Metrics;

namespace PredictiveSharding.Planning;

/// <summary>The planner's instruments, on the meter "PredictiveSharding.Planning".</summary>
internal sealed class PlanningMetrics
{
    public const string MeterName = "PredictiveSharding.Planning";

    private static readonly Meter SharedMeter = new(MeterName);
    private readonly Counter<long> _plans;
    private readonly Histogram<double> _planTime;
    private readonly Counter<long> _movedBytes;

    public PlanningMetrics(IMeterFactory? meterFactory)
    {
        var meter = meterFactory?.Create(MeterName) ?? SharedMeter;
        _plans = meter.CreateCounter<long>("psharding.planning.plans", unit: "{plan}", description: "Plans made, tagged feasible and stopped_at_time_limit (the search was cut short by its time budget).");
        _planTime = meter.CreateHistogram<double>("psharding.planning.plan.duration", unit: "ms", description: "Time to make a plan.");
        _movedBytes = meter.CreateCounter<long>("psharding.planning.moved_bytes", unit: "By", description: "Bytes the plans move.");
    }

    public void Record(ShardingPlan plan)
    {
        var feasible = new KeyValuePair<string, object?>("feasible", plan.Feasible);
        _plans.Add(1, feasible, new KeyValuePair<string, object?>("stopped_at_time_limit", plan.StoppedAtTimeLimit));
        _planTime.Record(plan.PlanTime.TotalMilliseconds, feasible);
        _movedBytes.Add(plan.MovedBytes);
    }
}
