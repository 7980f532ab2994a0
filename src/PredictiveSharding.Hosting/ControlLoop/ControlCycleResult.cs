using PredictiveSharding.Executing;
using PredictiveSharding.Forecasting;
using PredictiveSharding.Planning;

namespace PredictiveSharding.Hosting.ControlLoop;

/// <summary>What one control cycle did.</summary>
/// <param name="Stage">How far the cycle went.</param>
/// <param name="Forecast">The forecast made, or null while warming up.</param>
/// <param name="Plan">The plan made, or null while warming up.</param>
/// <param name="Execution">What the executor did, or null when nothing was executed.</param>
public sealed record ControlCycleResult(ControlCycleStage Stage, LoadForecast? Forecast, ShardingPlan? Plan, PlanExecutionSummary? Execution);
