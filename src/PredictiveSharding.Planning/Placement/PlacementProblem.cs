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
        double peakFloor = 0,
        MoveTransient? transient = null)
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

        (AwayChangeQ, HomeChangeQ) = TransientChanges(loadQ, transient);
        HasMoveTransient = !ReferenceEquals(AwayChangeQ, LoadQ);
        LoadsNonNegative = AllNonNegative(LoadQ) && AllNonNegative(Load99) && AllNonNegative(AwayChangeQ) && AllNonNegative(HomeChangeQ);
        FillsAllowance = FillingShards(out var any);
        HasFillers = any;
    }

    /// <summary>
    /// Per shard: true when its own load at the planning quantile reaches the allowance (capacity × threshold) of every
    /// node, so any node that takes it is at its limit with it alone. Loads the search caps at the largest node's
    /// allowance reach exactly 1 there; the tolerance keeps those in.
    /// </summary>
    public bool[] FillsAllowance { get; }

    /// <summary>True when some shard <see cref="FillsAllowance"/>.</summary>
    public bool HasFillers { get; }

    /// <summary>
    /// True when every shard load and change vector is zero or more (forecasts of load always are), so a shard arriving
    /// on a node can only raise its peak and overflow. The local search relies on it to skip candidates by a lower bound.
    /// Computed by the constructor; settable only so that tests can run the search without the bound and compare.
    /// </summary>
    public bool LoadsNonNegative { get; internal set; }

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

    /// <summary>
    /// True when a move's copy overhead is modelled (<see cref="MoveTransient"/>): a moved shard then weighs differently on
    /// the node it left and on the one it went to, and <see cref="ChangeQ"/> differs from <see cref="LoadQ"/>.
    /// </summary>
    public bool HasMoveTransient { get; }

    /// <summary>What shard s adds to a node other than its current one when it arrives there, or takes away when it leaves.</summary>
    private double[] AwayChangeQ { get; }

    /// <summary>What shard s takes away from its current node when it leaves it, or gives back when it returns.</summary>
    private double[] HomeChangeQ { get; }

    /// <summary>
    /// The load at the planning quantile that shard s adds to node n when it arrives there and takes away when it leaves:
    /// its forecast load, and with a move transient also the copy's overhead on both ends (<see cref="MoveTransient"/>).
    /// </summary>
    public ReadOnlySpan<double> ChangeQ(int s, int n) => (n == Current[s] ? HomeChangeQ : AwayChangeQ).AsSpan(s * Dimensions, Dimensions);

    /// <summary>
    /// Shard s's load at the overflow quantile: what it adds to or takes from any node there, since the copy's overhead is
    /// not charged at this quantile (see <see cref="TransientChanges"/>).
    /// </summary>
    public ReadOnlySpan<double> Load99Of(int s) => Load99.AsSpan(s * Dimensions, Dimensions);

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

    /// <summary>Objective cost of each moved shard on top of its bytes (GeneticPlannerOptions.PerMoveCost).</summary>
    public double PerMoveCost { get; init; }

    /// <summary>
    /// Objective cost of moving <paramref name="bytes"/> in <paramref name="moves"/> shard moves (either may be a change,
    /// negative): the one definition the fitness, its move delta and the local search's bounds and deltas all price moves by.
    /// </summary>
    public double MoveCost(long bytes, int moves) => (MoveCostPerByte * bytes) + (PerMoveCost * moves);

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

    /// <summary>κ of <see cref="OverflowPenalty"/> (GeneticPlannerOptions.OverflowSpreadWeight).</summary>
    public double OverflowSpreadWeight { get; init; }

    /// <summary>
    /// What a node's capacity overflow o (at the 0.99 quantile, a share of capacity) costs before
    /// <see cref="OverflowWeight"/>: o + κ·o²/(1 + o). Convex, so the same total overflow costs less spread over nodes
    /// than piled on one; its slope stays below 1 + κ, so it never outgrows the linear term the way o² does.
    /// </summary>
    public double OverflowPenalty(double overflow) =>
        OverflowSpreadWeight == 0 ? overflow : overflow + (OverflowSpreadWeight * overflow * overflow / (1 + overflow));

    /// <summary>
    /// Weight of a node's peak above its threshold when the node holds a shard that fills an allowance alone
    /// (<see cref="FillsAllowance"/>; GeneticPlannerOptions.IsolationWeight): what else that node carries.
    /// </summary>
    public double IsolationWeight { get; init; }

    /// <summary>
    /// What a node with this peak (a share of its threshold) adds to the objective beside the worst peak: its breach at
    /// <see cref="BreachSumWeight"/>, and at <see cref="IsolationWeight"/> more when it holds a shard that fills an
    /// allowance alone.
    /// </summary>
    public double Breach(double peak, bool holdsFiller) =>
        peak > 1 ? (BreachSumWeight + (holdsFiller ? IsolationWeight : 0)) * (peak - 1) : 0;

    /// <summary>True when the breach terms can change at all (some weight applies); false lets callers skip them.</summary>
    public bool CountsBreaches => BreachSumWeight > 0 || (IsolationWeight > 0 && HasFillers);

    /// <summary>
    /// The change of the weighted breaches when two nodes' peaks change and whether each holds a shard that fills an
    /// allowance (before and after). Callers skip it when <see cref="CountsBreaches"/> is false: it is 0 then.
    /// </summary>
    public double BreachChange(double fromPeak, double newFromPeak, bool fromHolds, bool newFromHolds, double toPeak, double newToPeak, bool toHolds, bool newToHolds) =>
        Breach(newFromPeak, newFromHolds) + Breach(newToPeak, newToHolds) - Breach(fromPeak, fromHolds) - Breach(toPeak, toHolds);

    private bool[] FillingShards(out bool any)
    {
        // Per shard and resource its highest load over the horizon; a shard fills every node when, on each node, one
        // resource's highest load reaches that node's allowance.
        const double Tolerance = 1e-9;
        var fills = new bool[Shards];
        var highest = new double[Resources];
        any = false;
        for (var s = 0; s < Shards; s++)
        {
            for (var r = 0; r < Resources; r++)
            {
                double top = 0;
                foreach (var v in LoadQ.AsSpan((s * Dimensions) + (r * Steps), Steps))
                {
                    top = Math.Max(top, v);
                }

                highest[r] = top;
            }

            var everywhere = true;
            for (var n = 0; n < Nodes && everywhere; n++)
            {
                var reaches = false;
                for (var r = 0; r < Resources && !reaches; r++)
                {
                    reaches = highest[r] * InvAllowance[(n * Resources) + r] >= 1 - Tolerance;
                }

                everywhere = reaches;
            }

            fills[s] = everywhere;
            any |= everywhere;
        }

        return fills;
    }

    private static bool AllNonNegative(double[] values)
    {
        foreach (var v in values)
        {
            // Written so that NaN fails too.
            if (!(v >= 0))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// The two change vectors of every shard at the planning quantile: away (arriving at or leaving a node other than its
    /// current one) and home (leaving or returning to its current node). Without a transient both are the shard's load.
    /// With overhead share o, during the first k steps of its move (the copy) the new node carries (1 + o) × the load and
    /// the current node keeps o × it, so arriving adds (1 + o) × load and leaving home takes (1 − o) × load away; from
    /// step k on both are the load.
    /// </summary>
    /// <remarks>
    /// Two simplifications, each measured against the alternative in the trace-driven comparison (docs/measurements.md):
    /// <list type="bullet">
    /// <item>The load counts as gone from the old node at once, though the old node serves until the cut-over: the objective
    /// is the peak over the horizon, and a node over its threshold now cannot be relieved before a copy ends, so counting the
    /// wait made every move off such a node look useless (the embedded default went from 4 to 337 overloaded node-minutes,
    /// the static figure).</item>
    /// <item>Only the planning quantile pays the overhead, not the overflow quantile: the copy is a known, bounded cost, while
    /// the 0.99 quantile carries burst insurance; charged there too (as a share of either quantile) it blocked the moves
    /// that insurance needs (16 nodes: 31 → 254–404 overloaded node-minutes).</item>
    /// </list>
    /// </remarks>
    private (double[] Away, double[] Home) TransientChanges(double[] load, MoveTransient? transient)
    {
        if (transient is not { } t || !(t.OverheadShare > 0))
        {
            return (load, load);
        }

        var away = (double[])load.Clone();
        var home = (double[])load.Clone();
        for (var s = 0; s < Shards; s++)
        {
            var k = Math.Min(Steps, t.Steps[s]);
            for (var r = 0; r < Resources; r++)
            {
                for (var step = 0; step < k; step++)
                {
                    var d = (s * Dimensions) + (r * Steps) + step;
                    away[d] = (1 + t.OverheadShare) * load[d];
                    home[d] = (1 - t.OverheadShare) * load[d];
                }
            }
        }

        return (away, home);
    }

    /// <summary>The locality cost of shard s on node n.</summary>
    public double Locality(int s, int n) =>
        LocalityCost is null ? 0 : LocalityCost[(s * Regions) + NodeRegion![n]];
}
