namespace PredictiveSharding.Simulation;

/// <summary>What a forecaster or planner factory may want to know about the run it is made for.</summary>
/// <param name="Step">The trace's step length.</param>
/// <param name="Steps">Steps in the trace.</param>
/// <param name="WarmupSteps">Steps of warm-up (the forecaster's training data).</param>
/// <param name="Keys">Keys in the trace.</param>
/// <param name="HorizonSteps">Steps forecast and planned ahead (for the predictive strategy with the default forecaster, sized to the warm-up).</param>
/// <param name="Seed">The run's seed.</param>
public sealed record SimulationContext(TimeSpan Step, int Steps, int WarmupSteps, int Keys, int HorizonSteps, int Seed);
