using System.Diagnostics.Metrics;

namespace PredictiveSharding.Hosting.Diagnostics;

/// <summary>The loop's instruments, on the meter <c>PredictiveSharding.Hosting</c> (OpenTelemetry picks them up by name).</summary>
internal sealed class ControlLoopMetrics : IDisposable
{
    public const string MeterName = "PredictiveSharding.Hosting";
    private readonly Meter? _ownedMeter;

    public ControlLoopMetrics(IMeterFactory? meterFactory)
    {
        var meter = meterFactory?.Create(MeterName) ?? (_ownedMeter = new Meter(MeterName));
        Cycles = meter.CreateCounter<long>("psharding.loop.cycles", unit: "{cycle}", description: "Control cycles completed.");
        FailedCycles = meter.CreateCounter<long>("psharding.loop.cycles.failed", unit: "{cycle}", description: "Control cycles that failed (retried next interval).");
        Splits = meter.CreateCounter<long>("psharding.loop.splits", unit: "{split}", description: "Split actions planned.");
        Moves = meter.CreateCounter<long>("psharding.loop.moves", unit: "{move}", description: "Move actions planned.");
        BytesMoved = meter.CreateCounter<long>("psharding.loop.bytes_moved", unit: "By", description: "Bytes moved by the moves that took effect (completed, or completed with their clean-up pending), a plan's whose executor threw part-way included.");
        PlanTime = meter.CreateHistogram<double>("psharding.loop.plan_time", unit: "ms", description: "Time the planner took.");
        ForecastError = meter.CreateHistogram<double>("psharding.loop.forecast_error", unit: "1", description: "Relative absolute error of the previous cycle's one-step median forecast: sum |actual - median| / sum actual.");
        PredictedPeakUtilization = meter.CreateHistogram<double>("psharding.loop.predicted_peak_utilization", unit: "1", description: "Predicted peak utilisation after the plan (planning quantile).");
        ActualPeakUtilization = meter.CreateHistogram<double>("psharding.loop.actual_peak_utilization", unit: "1", description: "Measured peak node utilisation of requests in the last bucket, recorded by each cycle whose harvest closed a bucket.");
    }

    public Counter<long> Cycles { get; }

    public Counter<long> FailedCycles { get; }

    public Counter<long> Splits { get; }

    public Counter<long> Moves { get; }

    public Counter<long> BytesMoved { get; }

    public Histogram<double> PlanTime { get; }

    public Histogram<double> ForecastError { get; }

    public Histogram<double> PredictedPeakUtilization { get; }

    public Histogram<double> ActualPeakUtilization { get; }

    public void Dispose() => _ownedMeter?.Dispose();
}
