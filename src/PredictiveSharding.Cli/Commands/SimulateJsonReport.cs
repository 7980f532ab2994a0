namespace PredictiveSharding.Cli.Commands;

/// <summary>The one JSON object <c>psharding simulate --json</c> prints.</summary>
internal sealed record SimulateJsonReport(int Nodes, double NodeCapacity, int WarmupSteps, long UnavoidableNodeSteps, IReadOnlyList<SimulateJsonStrategy> Strategies);
