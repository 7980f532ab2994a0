namespace PredictiveSharding.Simulation;

/// <summary>The outcome of replaying one trace with every requested strategy on the same cluster.</summary>
public sealed class SimulationReport
{
    internal SimulationReport(IReadOnlyList<StrategyResult> strategies, IReadOnlyList<StrategyResult> reactiveGrid)
    {
        // Copies, read-only: the simulator's own lists would let a caller cast them back and reorder results under Find.
        Strategies = strategies.ToArray().AsReadOnly();
        ReactiveGrid = reactiveGrid.ToArray().AsReadOnly();
    }

    /// <summary>Nodes.</summary>
    public int Nodes { get; init; }

    /// <summary>A node's capacity in requests per step.</summary>
    public double NodeCapacity { get; init; }

    /// <summary>The trace's step length.</summary>
    public TimeSpan Step { get; init; }

    /// <summary>The start of the trace's first step.</summary>
    public DateTimeOffset Start { get; init; }

    /// <summary>Steps in the trace.</summary>
    public int Steps { get; init; }

    /// <summary>Keys in the trace.</summary>
    public int Keys { get; init; }

    /// <summary>Steps of warm-up, not counted in the metrics.</summary>
    public int WarmupSteps { get; init; }

    /// <summary>Initial partitions.</summary>
    public int InitialPartitions { get; init; }

    /// <summary>Bytes a move copies per step.</summary>
    public double MoveBandwidthBytesPerStep { get; init; }

    /// <summary>
    /// Node-steps after the warm-up that no strategy can avoid: steps at which a single key alone, or the whole load, is more
    /// than the cluster can carry without at least one overloaded node.
    /// </summary>
    public long UnavoidableNodeSteps { get; init; }

    /// <summary>The strategies' results, in the order asked for.</summary>
    public IReadOnlyList<StrategyResult> Strategies { get; }

    /// <summary>Every setting of the reactive grid (empty when <c>reactive</c> was not run); the best is reported as <c>reactive</c>.</summary>
    public IReadOnlyList<StrategyResult> ReactiveGrid { get; }

    /// <summary>The result of a strategy, or null when it was not run.</summary>
    public StrategyResult? Find(string name) => Strategies.FirstOrDefault(s => string.Equals(s.Name, name, StringComparison.Ordinal));
}
