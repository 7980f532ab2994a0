namespace PredictiveSharding.Planning.Placement;

/// <summary>
/// The placement problem in dense arrays: shards × nodes × resources × horizon steps. Loads are laid out
/// <c>[shard × Dimensions]</c> with <c>d = resource × Steps + step</c>; node factors <c>[node × Resources]</c>.
/// Immutable once built, so children can be produced from it on several threads.
/// </summary>
internal sealed class PlacementProblem
{
    public PlacementProblem(
        int nodes,
        int resources,
        int steps,
        double[] loadQ,
        double[] load99,
        long[] bytes,
        int[] current,
        bool[] pinned,
        double[] invAllowance,
        double[] invCapacity,
        long moveBudgetBytes,
        double moveCostWeight,
        double overflowWeight,
        double[]? localityCost = null,
        int[]? nodeRegion = null,
        int regions = 0,
        double peakFloor = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(nodes);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(resources);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(steps);
        Nodes = nodes;
        Resources = resources;
        Steps = steps;
        Dimensions = resources * steps;
        Shards = bytes.Length;
        if (loadQ.Length != Shards * Dimensions || load99.Length != Shards * Dimensions || current.Length != Shards || pinned.Length != Shards)
        {
            throw new ArgumentException("Shard arrays disagree on the number of shards or dimensions.", nameof(loadQ));
        }

        if (invAllowance.Length != nodes * resources || invCapacity.Length != nodes * resources)
        {
            throw new ArgumentException("Node arrays must hold nodes × resources values.", nameof(invAllowance));
        }

        foreach (var n in current)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(n, nameof(current));
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(n, nodes, nameof(current));
        }

        LoadQ = loadQ;
        Load99 = load99;
        Bytes = bytes;
        Current = current;
        Pinned = pinned;
        InvAllowance = invAllowance;
        InvCapacity = invCapacity;
        MoveBudgetBytes = moveBudgetBytes;
        OverflowWeight = overflowWeight;
        long total = 0;
        foreach (var b in bytes)
        {
            total += b;
        }

        TotalBytes = total;
        MoveCostPerByte = total > 0 ? moveCostWeight / total : 0;
        Regions = regions;
        PeakFloor = peakFloor;
        if (localityCost is not null && nodeRegion is not null && regions > 0)
        {
            if (localityCost.Length != Shards * regions || nodeRegion.Length != nodes)
            {
                throw new ArgumentException("Locality arrays must hold shards × regions and one region per node.", nameof(localityCost));
            }

            LocalityCost = localityCost;
            NodeRegion = nodeRegion;
        }
    }

    public int Shards { get; }

    public int Nodes { get; }

    public int Resources { get; }

    public int Steps { get; }

    public int Dimensions { get; }

    /// <summary>Load at the planning quantile.</summary>
    public double[] LoadQ { get; }

    /// <summary>Load at the overflow quantile (0.99, or the highest forecast).</summary>
    public double[] Load99 { get; }

    public long[] Bytes { get; }

    public long TotalBytes { get; }

    /// <summary>Each shard's node now (a split's children start on their parent's node).</summary>
    public int[] Current { get; }

    /// <summary>Shards in cooldown: they stay on their current node.</summary>
    public bool[] Pinned { get; }

    /// <summary>1 / (capacity × threshold) per node and resource.</summary>
    public double[] InvAllowance { get; }

    /// <summary>1 / capacity per node and resource.</summary>
    public double[] InvCapacity { get; }

    public long MoveBudgetBytes { get; }

    /// <summary>Most shards a placement may move (PlanningConstraints.MaxMovesPerPlan); int.MaxValue for no limit.</summary>
    public int MaxMoves { get; init; } = int.MaxValue;

    /// <summary>
    /// The same problem with each shard's whole forecast load, when the builder capped some shard's load at the largest
    /// node's limit (PlacementProblemBuilder); null when nothing was capped. Feasibility, the plan's predicted utilisation
    /// and the moves' reasons are judged on it, the search on this one.
    /// </summary>
    public PlacementProblem? Uncapped { get; init; }

    /// <summary>The problem to report on: <see cref="Uncapped"/>, or this one when nothing was capped.</summary>
    public PlacementProblem Reported => Uncapped ?? this;

    /// <summary>Objective cost of one moved byte (the move-cost weight over the cluster's bytes).</summary>
    public double MoveCostPerByte { get; }

    public double OverflowWeight { get; }

    /// <summary>Objective cost of serving shard s in region g, <c>[s × Regions + g]</c>; null when locality is ignored.</summary>
    public double[]? LocalityCost { get; }

    /// <summary>Region index of each node; null when locality is ignored.</summary>
    public int[]? NodeRegion { get; }

    public int Regions { get; }

    /// <summary>
    /// The objective counts the peak as at least this (a share of the threshold): lowering the peak below it gains
    /// nothing, so no move is paid for that only deepens headroom already sufficient (GeneticPlannerOptions.PeakFloor).
    /// </summary>
    public double PeakFloor { get; }

    /// <summary>The peak as the objective counts it: the peak, or <see cref="PeakFloor"/> when that is higher.</summary>
    public double CountedPeak(double peak) => Math.Max(peak, PeakFloor);

    /// <summary>Weight of each node's peak above its threshold, summed over nodes (GeneticPlannerOptions.BreachSumWeight).</summary>
    public double BreachSumWeight { get; init; }

    /// <summary>What a node with this peak (a share of its threshold) adds to the objective beside the worst peak.</summary>
    public double Breach(double peak) => peak > 1 ? BreachSumWeight * (peak - 1) : 0;

    /// <summary>The change of the weighted breaches when two nodes' peaks change (0 without a weight).</summary>
    public double BreachChange(double fromPeak, double newFromPeak, double toPeak, double newToPeak) =>
        BreachSumWeight == 0 ? 0 : Breach(newFromPeak) + Breach(newToPeak) - Breach(fromPeak) - Breach(toPeak);

    /// <summary>The locality cost of shard s on node n.</summary>
    public double Locality(int s, int n) =>
        LocalityCost is null ? 0 : LocalityCost[(s * Regions) + NodeRegion![n]];
}
