namespace PredictiveSharding.Simulation.Strategies.Planned;

/// <summary>The knobs of a forecast-then-plan strategy.</summary>
/// <param name="HorizonSteps">Steps forecast and planned ahead.</param>
/// <param name="PlanEverySteps">Steps between plans.</param>
/// <param name="FineTuneEverySteps">Steps between fine-tunings of the forecaster.</param>
/// <param name="HistoryWindowSteps">Steps of history handed to the forecaster (at most).</param>
/// <param name="UtilizationThreshold">Share of capacity the plan keeps forecast node load under.</param>
/// <param name="PlanningQuantile">The forecast quantile planned for.</param>
/// <param name="MaxKeySamples">Key samples per partition handed to the planner.</param>
/// <param name="CorrectMeasuredOverload">Whether a node measured over capacity has its partitions' forecasts raised to their measured load.</param>
/// <param name="BurstAware">Whether the top forecast quantile is raised to a burst bound (<see cref="PredictiveSharding.Planning.Guards.ForecastGuardOptions.BoundBursts"/>).</param>
/// <param name="SeasonalMinPeriod">The shortest period of a partition's own past that raises its median forecast (<see cref="PredictiveSharding.Planning.Guards.ForecastGuardOptions.SeasonalMinPeriod"/>); 0 for none.</param>
/// <param name="BurstLevelSteps">The steps whose median load the burst bound grows from (<see cref="PredictiveSharding.Planning.Guards.ForecastGuardOptions.BurstLevelSteps"/>).</param>
/// <param name="BoundSingleKeys">Whether partitions of one key get the burst bound too (<see cref="PredictiveSharding.Planning.Guards.ForecastGuardOptions.BoundSingleKeyBursts"/>).</param>
/// <param name="SingleKeyNeighbourCorrelation">Which single keys keep the burst bound (<see cref="PredictiveSharding.Planning.Guards.ForecastGuardOptions.SingleKeyNeighbourCorrelation"/>).</param>
/// <param name="MeasuredSplitShare">Before each step, split in two every partition whose last load exceeded this share of a node's capacity (<see cref="SimulationOptions.MeasuredSplitShare"/>); 0 for none.</param>
/// <param name="GrowthFromInitialRanges">Whether the burst bound also learns the growth of the key ranges the replay started from (<see cref="SimulationOptions.GrowthFromInitialRanges"/>).</param>
/// <param name="LevelShiftSteps">The steps a partition's load must stay above its forecast before the forecast is raised to it (<see cref="PredictiveSharding.Planning.Guards.ForecastGuardOptions.LevelShiftSteps"/>); 0 for none.</param>
/// <param name="StoreRebalance">Whether the database's store rebalancer runs in the steps where no planned move is under way or waiting (<see cref="SimulationOptions.StoreRebalanceBetweenPlans"/>).</param>
/// <param name="FloorAtLastLoad">Whether no forecast value falls below the partition's last measured load (<see cref="PredictiveSharding.Planning.Guards.ForecastGuardOptions.FloorAtLastLoad"/>).</param>
internal sealed record PlannedSettings(
    int HorizonSteps,
    int PlanEverySteps,
    int FineTuneEverySteps,
    int HistoryWindowSteps,
    double UtilizationThreshold,
    double PlanningQuantile,
    int MaxKeySamples,
    bool CorrectMeasuredOverload,
    bool BurstAware = false,
    int SeasonalMinPeriod = 0,
    bool FloorAtLastLoad = false,
    int BurstLevelSteps = 1,
    bool BoundSingleKeys = true,
    double SingleKeyNeighbourCorrelation = SimulationDefaults.SingleKeyNeighbourCorrelation,
    double MeasuredSplitShare = 0,
    bool GrowthFromInitialRanges = false,
    int LevelShiftSteps = 0,
    bool StoreRebalance = false);
