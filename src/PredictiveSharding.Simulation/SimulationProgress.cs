namespace PredictiveSharding.Simulation;

/// <summary>Where a simulation is: which strategy, doing what, and how far through the trace.</summary>
/// <param name="Strategy">The strategy being replayed (for the reactive grid, its setting).</param>
/// <param name="Phase">What it is doing: <c>replay</c>, or <c>train</c> while a forecaster trains.</param>
/// <param name="Step">Steps replayed so far.</param>
/// <param name="TotalSteps">Steps in the trace.</param>
/// <param name="Run">The replay's number among all replays of the simulation (1-based).</param>
/// <param name="TotalRuns">Replays in the simulation (the reactive grid counts each setting).</param>
public readonly record struct SimulationProgress(string Strategy, string Phase, int Step, int TotalSteps, int Run, int TotalRuns);
