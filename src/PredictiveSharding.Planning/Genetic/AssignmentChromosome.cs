using System.Runtime.CompilerServices;
using PredictiveSharding.Planning.Placement;

namespace PredictiveSharding.Planning.Genetic;

/// <summary>
/// One candidate placement: gene s is the node of shard s. It carries its node loads (both quantiles), each node's
/// peak and overflow, moved bytes and locality cost, kept up to date incrementally so operators never rescan every
/// shard to score a change. All buffers are allocated once and reused across generations.
/// </summary>
internal sealed class AssignmentChromosome
{
    public AssignmentChromosome(PlacementProblem problem)
    {
        Problem = problem;
        Genes = new int[problem.Shards];
        NodeLoad = new double[problem.Nodes * problem.Dimensions];
        NodeLoad99 = new double[problem.Nodes * problem.Dimensions];
        NodePeak = new double[problem.Nodes];
        NodeOverflow = new double[problem.Nodes];
        ShardScratch = new int[problem.Shards];
        PartnerScratch = new int[problem.Shards];
        NodeScratch = new int[problem.Nodes];
        TargetScratch = new int[problem.Nodes];
        _next = new int[problem.Shards];
        _prev = new int[problem.Shards];
        _head = new int[problem.Nodes];
        _count = new int[problem.Nodes];
        _fillers = new int[problem.Nodes];
        DeltaScratch = new double[problem.Dimensions];
        DeltaScratch99 = new double[problem.Dimensions];
        TargetDeltaScratch = new double[problem.Dimensions];
    }

    // Each node's shards as a doubly linked list (next/prev by shard, head by node), so operators visit a node's
    // shards without scanning every gene.
    private readonly int[] _next;
    private readonly int[] _prev;
    private readonly int[] _head;
    private readonly int[] _count;

    // How many shards that fill an allowance alone (PlacementProblem.FillsAllowance) each node holds.
    private readonly int[] _fillers;

    public PlacementProblem Problem { get; }

    public int[] Genes { get; }

    public double[] NodeLoad { get; }

    public double[] NodeLoad99 { get; }

    /// <summary>Each node's highest load over resources and steps, as a share of its allowance (capacity × threshold).</summary>
    public double[] NodePeak { get; }

    /// <summary>Each node's highest overflow above capacity at the overflow quantile (0 when none).</summary>
    public double[] NodeOverflow { get; }

    public long MovedBytes { get; private set; }

    /// <summary>Shards away from their current node (the plan's moves).</summary>
    public int MovedCount { get; private set; }

    public double LocalityCost { get; private set; }

    /// <summary>The objective (lower is better); valid after <see cref="PlacementFitness.Evaluate"/>.</summary>
    public double Fitness { get; set; } = double.PositiveInfinity;

    /// <summary>Scratch space for operators (shards of one node, and so on).</summary>
    public int[] ShardScratch { get; }

    /// <summary>More scratch space for operators (swap partners).</summary>
    public int[] PartnerScratch { get; }

    /// <summary>Scratch space for operators (nodes in some order).</summary>
    public int[] NodeScratch { get; }

    /// <summary>More scratch space for operators (nodes in another order).</summary>
    public int[] TargetScratch { get; }

    /// <summary>Scratch load vectors (planning and overflow quantile) for scoring swaps.</summary>
    public double[] DeltaScratch { get; }

    /// <summary>Scratch load vector at the overflow quantile.</summary>
    public double[] DeltaScratch99 { get; }

    /// <summary>Scratch load vector for the partner node of a swap (planning quantile) when a move transient is modelled.</summary>
    public double[] TargetDeltaScratch { get; }

    /// <summary>Sets every gene and recomputes all derived state from scratch.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Assign(ReadOnlySpan<int> genes)
    {
        var p = Problem;
        genes.CopyTo(Genes);
        Array.Clear(NodeLoad);
        Array.Clear(NodeLoad99);
        var dims = p.Dimensions;
        long moved = 0;
        var movedCount = 0;
        double locality = 0;
        for (var s = 0; s < p.Shards; s++)
        {
            var n = Genes[s];
            var load = p.LoadQ.AsSpan(s * dims, dims);
            var home = p.Current[s];
            if (p.HasMoveTransient && n != home)
            {
                // A moved shard weighs on both ends while it copies: what arriving adds on its new node, and on its current
                // one its load less what leaving takes away (the planning quantile only; the overflow quantile pays none).
                AddTo(n, p.ChangeQ(s, n), p.Load99Of(s), +1);
                var residue = NodeLoad.AsSpan(home * dims, dims);
                var leaving = p.ChangeQ(s, home);
                for (var d = 0; d < dims; d++)
                {
                    residue[d] += load[d] - leaving[d];
                }
            }
            else
            {
                AddTo(n, load, p.Load99Of(s), +1);
            }

            if (n != home)
            {
                moved += p.Bytes[s];
                movedCount++;
            }

            locality += p.Locality(s, n);
        }

        MovedBytes = moved;
        MovedCount = movedCount;
        LocalityCost = locality;
        Array.Fill(_head, -1);
        Array.Clear(_count);
        Array.Clear(_fillers);
        for (var s = p.Shards - 1; s >= 0; s--)
        {
            Link(s, Genes[s]);
        }

        for (var n = 0; n < p.Nodes; n++)
        {
            RefreshNode(n);
        }
    }

    /// <summary>The first shard on node n, or −1; follow with <see cref="NextOnNode"/>.</summary>
    public int FirstOnNode(int n) => _head[n];

    /// <summary>The shard after s on its node, or −1.</summary>
    public int NextOnNode(int s) => _next[s];

    /// <summary>How many shards node n holds.</summary>
    public int CountOnNode(int n) => _count[n];

    /// <summary>True when node n holds a shard that fills an allowance alone (<see cref="PlacementProblem.FillsAllowance"/>).</summary>
    public bool HoldsFiller(int n) => _fillers[n] > 0;

    /// <summary>
    /// Whether node n would hold a shard that fills an allowance alone after shard <paramref name="leaving"/> left it and
    /// shard <paramref name="arriving"/> came (either −1 for none).
    /// </summary>
    public bool HoldsFillerAfter(int n, int leaving, int arriving)
    {
        var fills = Problem.FillsAllowance;
        var count = _fillers[n] - (leaving >= 0 && fills[leaving] ? 1 : 0) + (arriving >= 0 && fills[arriving] ? 1 : 0);
        return count > 0;
    }

    /// <summary>Copies another chromosome of the same problem.</summary>
    public void CopyFrom(AssignmentChromosome other)
    {
        Array.Copy(other.Genes, Genes, Genes.Length);
        Array.Copy(other.NodeLoad, NodeLoad, NodeLoad.Length);
        Array.Copy(other.NodeLoad99, NodeLoad99, NodeLoad99.Length);
        Array.Copy(other.NodePeak, NodePeak, NodePeak.Length);
        Array.Copy(other.NodeOverflow, NodeOverflow, NodeOverflow.Length);
        Array.Copy(other._next, _next, _next.Length);
        Array.Copy(other._prev, _prev, _prev.Length);
        Array.Copy(other._head, _head, _head.Length);
        Array.Copy(other._count, _count, _count.Length);
        Array.Copy(other._fillers, _fillers, _fillers.Length);
        MovedBytes = other.MovedBytes;
        MovedCount = other.MovedCount;
        LocalityCost = other.LocalityCost;
        Fitness = other.Fitness;
    }

    /// <summary>Moves shard s to node <paramref name="to"/> and refreshes both nodes' peaks.</summary>
    public void Move(int s, int to)
    {
        var from = Genes[s];
        if (from == to)
        {
            return;
        }

        MoveLoads(s, from, to);
        RefreshNode(from);
        RefreshNode(to);
    }

    /// <summary>Moves shard s without refreshing node peaks (for bulk changes; call <see cref="RefreshNode"/> after).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void MoveLoads(int s, int from, int to)
    {
        var p = Problem;
        AddTo(from, p.ChangeQ(s, from), p.Load99Of(s), -1);
        AddTo(to, p.ChangeQ(s, to), p.Load99Of(s), +1);

        var home = p.Current[s];
        if (from == home)
        {
            MovedBytes += p.Bytes[s];
            MovedCount++;
        }
        else if (to == home)
        {
            MovedBytes -= p.Bytes[s];
            MovedCount--;
        }

        LocalityCost += p.Locality(s, to) - p.Locality(s, from);
        Genes[s] = to;
        Unlink(s, from);
        Link(s, to);
    }

    /// <summary>Adds (<paramref name="sign"/> +1) or subtracts (−1) a load vector at both quantiles to node n's loads.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void AddTo(int n, ReadOnlySpan<double> load, ReadOnlySpan<double> load99, double sign)
    {
        var dims = Problem.Dimensions;
        var nodeLoad = NodeLoad.AsSpan(n * dims, dims);
        var nodeLoad99 = NodeLoad99.AsSpan(n * dims, dims);
        for (var d = 0; d < dims; d++)
        {
            nodeLoad[d] += sign * load[d];
            nodeLoad99[d] += sign * load99[d];
        }
    }

    private void Link(int s, int n)
    {
        var head = _head[n];
        _next[s] = head;
        _prev[s] = -1;
        if (head >= 0)
        {
            _prev[head] = s;
        }

        _head[n] = s;
        _count[n]++;
        if (Problem.FillsAllowance[s])
        {
            _fillers[n]++;
        }
    }

    private void Unlink(int s, int n)
    {
        var prev = _prev[s];
        var next = _next[s];
        if (prev >= 0)
        {
            _next[prev] = next;
        }
        else
        {
            _head[n] = next;
        }

        if (next >= 0)
        {
            _prev[next] = prev;
        }

        _count[n]--;
        if (Problem.FillsAllowance[s])
        {
            _fillers[n]--;
        }
    }

    /// <summary>Recomputes a node's peak and overflow from its loads.</summary>
    public void RefreshNode(int n)
    {
        NodePeak[n] = PeakOf(n, default, 0);
        NodeOverflow[n] = OverflowOf(n, default, 0);
    }

    /// <summary>
    /// Node n's peak (share of allowance) if shard load <paramref name="delta"/> were added with sign
    /// <paramref name="sign"/> (+1 arriving, −1 leaving, 0 none).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public double PeakOf(int n, ReadOnlySpan<double> delta, double sign)
    {
        var p = Problem;
        var steps = p.Steps;
        var dims = p.Dimensions;
        var load = NodeLoad.AsSpan(n * dims, dims);
        double peak = 0;
        for (var r = 0; r < p.Resources; r++)
        {
            var inv = p.InvAllowance[(n * p.Resources) + r];
            var row = load.Slice(r * steps, steps);
            var v = sign == 0 ? RowMax.Of(row, inv) : RowMax.Of(row, delta.Slice(r * steps, steps), sign, inv);
            if (v > peak)
            {
                peak = v;
            }
        }

        return peak;
    }

    /// <summary>
    /// Like <see cref="PeakOf"/>, but returns positive infinity as soon as a resource's peak reaches
    /// <paramref name="limit"/>: scoring a candidate move only needs to know whether it stays under the current peak.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public double PeakBelow(int n, ReadOnlySpan<double> delta, double sign, double limit)
    {
        var p = Problem;
        var steps = p.Steps;
        var dims = p.Dimensions;
        var load = NodeLoad.AsSpan(n * dims, dims);
        double peak = 0;
        for (var r = 0; r < p.Resources; r++)
        {
            var v = RowMax.Of(load.Slice(r * steps, steps), delta.Slice(r * steps, steps), sign, p.InvAllowance[(n * p.Resources) + r]);
            if (v > peak)
            {
                // The peak so far is always under the limit, so a value above it that reaches the limit is the first.
                if (v >= limit)
                {
                    return double.PositiveInfinity;
                }

                peak = v;
            }
        }

        return peak;
    }

    /// <summary>Node n's overflow above capacity at the overflow quantile if <paramref name="delta99"/> were added with <paramref name="sign"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public double OverflowOf(int n, ReadOnlySpan<double> delta99, double sign)
    {
        var p = Problem;
        var steps = p.Steps;
        var dims = p.Dimensions;
        var load = NodeLoad99.AsSpan(n * dims, dims);
        double worst = 1;
        for (var r = 0; r < p.Resources; r++)
        {
            var inv = p.InvCapacity[(n * p.Resources) + r];
            var row = load.Slice(r * steps, steps);
            var v = sign == 0 ? RowMax.Of(row, inv) : RowMax.Of(row, delta99.Slice(r * steps, steps), sign, inv);
            if (v > worst)
            {
                worst = v;
            }
        }

        return worst - 1;
    }
}
