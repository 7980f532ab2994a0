using PredictiveSharding.Forecasting;
using PredictiveSharding.Forecasting.Lstm;
using PredictiveSharding.Planning;

namespace PredictiveSharding.Simulation;

/// <summary>The predictive strategy's default forecaster (the LSTM) and the planner both planned strategies use (the GA), sized for a run.</summary>
public static class DefaultComponents
{
    /// <summary>
    /// An LSTM forecasting the run's horizon from a context of max(24, horizon) steps when the warm-up holds at least twice
    /// that context + horizon, and otherwise from what half the warm-up leaves beside the horizon (at least one step), so
    /// that it trains on many distinct windows of the warm-up rather than on one; with the seasonal lags of one hour, one
    /// day and one week, each only when it is at least two steps and the warm-up holds two of them (a lag longer than the training data teaches nothing), a training budget small
    /// enough for a whole simulation to run in minutes on two cores, and the run's seed. The simulator shortens the
    /// predictive strategy's horizon on a short warm-up the same way (see the README's "Short warm-ups").
    /// </summary>
    public static ILoadForecaster CreateForecaster(SimulationContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var lags = new List<int>();
        // An hour as well: on minute steps serverless functions fire on hourly timers, and a day does not fit the warm-up.
        foreach (var period in (ReadOnlySpan<TimeSpan>)[TimeSpan.FromHours(1), TimeSpan.FromDays(1), TimeSpan.FromDays(7)])
        {
            if (period.Ticks % context.Step.Ticks == 0)
            {
                var lag = period.Ticks / context.Step.Ticks;
                if (lag >= 2 && lag <= context.WarmupSteps / 2)
                {
                    lags.Add((int)lag);
                }
            }
        }

        var options = new LstmForecasterOptions
        {
            Horizon = context.HorizonSteps,
            ContextLength = WarmupSizing.Context(context.WarmupSteps, context.HorizonSteps),
            SeasonalLags = lags,
            Epochs = 12,
            WindowsPerEpoch = 2048,
            UpdateEpochs = 1,
            Seed = context.Seed,
        };
        return new LstmForecaster(options);
    }

    /// <summary>
    /// The genetic planner with the run's seed, a time budget (5 s) generous enough that a plan ends by its generations or
    /// stagnation rather than by the clock, so a run's figures do not depend on how busy the machine is, and a move cost that makes moving
    /// every byte of the cluster cost as much as twice the threshold in peak utilisation (<see cref="SimulationDefaults.MoveCostWeight"/>):
    /// with the planner's default (0.02) a move is nearly free, and a plan made every step reshuffles partitions that need not move.
    /// </summary>
    public static IShardPlanner CreatePlanner(SimulationContext context) => CreatePlanner(context, peakFloor: 0);

    /// <summary>
    /// <see cref="CreatePlanner(SimulationContext)"/> with a peak floor (<see cref="GeneticPlannerOptions.PeakFloor"/>): the
    /// oracle runs without and with a floor of 1 (each at two move costs) and keeps the best, because a planner that knows the future
    /// needs no headroom below the threshold and then moves only what avoids a breach, while the floor's absence can still
    /// win where finer balance happens to absorb what the horizon does not show.
    /// </summary>
    /// <param name="context">The run.</param>
    /// <param name="peakFloor">The planner's <see cref="GeneticPlannerOptions.PeakFloor"/>.</param>
    /// <param name="splitOnOverflowQuantile">The planner's <see cref="GeneticPlannerOptions.SplitOnOverflowQuantile"/>.</param>
    /// <param name="moveCostWeight">The planner's <see cref="GeneticPlannerOptions.MoveCostWeight"/>; null: <see cref="SimulationDefaults.MoveCostWeight"/> (the burst preset's too).</param>
    /// <param name="breachSumWeight">The planner's <see cref="GeneticPlannerOptions.BreachSumWeight"/>.</param>
    /// <param name="isolationWeight">The planner's <see cref="GeneticPlannerOptions.IsolationWeight"/>; null: the options' own (the burst preset's 2, else 0).</param>
    /// <param name="moveOverheadShare">The planner's <see cref="GeneticPlannerOptions.MoveOverheadShare"/>.</param>
    /// <param name="perMoveCost">The planner's <see cref="GeneticPlannerOptions.PerMoveCost"/>.</param>
    /// <param name="overflowSpreadWeight">The planner's <see cref="GeneticPlannerOptions.OverflowSpreadWeight"/>; null: <see cref="SimulationDefaults.OverflowSpreadWeight"/>.</param>
    internal static IShardPlanner CreatePlanner(SimulationContext context, double peakFloor, bool splitOnOverflowQuantile = false, double? moveCostWeight = null, double breachSumWeight = 0, double? isolationWeight = null, double moveOverheadShare = 0, double perMoveCost = 0, double? overflowSpreadWeight = null)
    {
        ArgumentNullException.ThrowIfNull(context);

        // With burst bounds in the 0.99 quantile the planner takes the settings made for them (overflow there weighs as a
        // breach of the same size, surge-prone partitions split on that quantile): the same preset a host's control loop
        // starts from. Without them, the earlier behaviour: overflow weighed 10 × a breach, splits on the planning quantile.
        var options = splitOnOverflowQuantile
            ? GeneticPlannerOptions.ForBurstBoundForecasts()
            : new GeneticPlannerOptions { MoveCostWeight = SimulationDefaults.MoveCostWeight };
        options.Seed = context.Seed;
        options.TimeBudget = TimeSpan.FromSeconds(5);
        options.PeakFloor = peakFloor;
        options.BreachSumWeight = breachSumWeight;
        options.OverflowSpreadWeight = overflowSpreadWeight ?? SimulationDefaults.OverflowSpreadWeight;
        options.IsolationWeight = isolationWeight ?? options.IsolationWeight;
        options.MoveOverheadShare = moveOverheadShare;
        options.PerMoveCost = perMoveCost;
        if (moveCostWeight is { } weight)
        {
            options.MoveCostWeight = weight;
        }

        return new GeneticShardPlanner(options);
    }
}
