using System.Globalization;
using PredictiveSharding.Simulation.Metrics;
using PredictiveSharding.Topology;

namespace PredictiveSharding.Simulation.Cluster;

/// <summary>
/// The simulated cluster one strategy drives: partitions over the sorted trace keys, nodes with one capacity, moves that
/// take time and load both ends. <see cref="Advance"/> replays the next step: each request lands on the node that owns
/// its key at that moment, and a node whose load exceeds its capacity counts one overloaded node-step.
/// </summary>
internal sealed class ClusterModel
{
    private readonly List<SimPartition> _partitions;
    private readonly Dictionary<PartitionId, SimPartition> _byId;
    private readonly List<RunningMove> _running = [];
    private readonly double[] _nodeLoad;
    private readonly double[] _nodeRequests;

    public ClusterModel(KeyLoads loads, ClusterSetup setup)
    {
        ArgumentNullException.ThrowIfNull(loads);
        ArgumentNullException.ThrowIfNull(setup);
        if (setup.InitialPartitions < 1 || setup.InitialPartitions > loads.KeyCount)
        {
            throw new ArgumentOutOfRangeException(nameof(setup), setup.InitialPartitions, string.Create(CultureInfo.InvariantCulture, $"The cluster needs from 1 to {loads.KeyCount} initial partitions (one key at least each); got {setup.InitialPartitions}."));
        }

        Loads = loads;
        Setup = setup;
        _partitions = new List<SimPartition>(setup.InitialPartitions);
        _byId = [];
        for (var i = 0; i < setup.InitialPartitions; i++)
        {
            // Equal key counts: the i-th range starts at ⌊i·K/P⌋.
            var lo = (int)((long)i * loads.KeyCount / setup.InitialPartitions);
            var hi = (int)((long)(i + 1) * loads.KeyCount / setup.InitialPartitions);
            var id = new PartitionId("p" + i.ToString("D3", CultureInfo.InvariantCulture));
            Add(new SimPartition(id, lo, hi, i % setup.Nodes, 0, []));
        }

        _nodeLoad = new double[setup.Nodes];
        _nodeRequests = new double[setup.Nodes];
        Metrics = new ReplayMetrics(setup.Nodes, loads.StepCount, setup.WarmupSteps);
    }

    public KeyLoads Loads { get; }

    public ClusterSetup Setup { get; }

    public ReplayMetrics Metrics { get; }

    /// <summary>The next step to replay; every step before it has been replayed.</summary>
    public int Step { get; private set; }

    public bool Finished => Step >= Loads.StepCount;

    /// <summary>The partitions in key order.</summary>
    public IReadOnlyList<SimPartition> Partitions => _partitions;

    /// <summary>The moves still copying: a move leaves this list (and frees its slot) as soon as its last copy step has been replayed.</summary>
    public IReadOnlyList<RunningMove> RunningMoves => _running;

    public bool HasMoveSlot => _running.Count < Setup.MaxConcurrentMoves;

    /// <summary>Each node's load at the last replayed step, move overhead included.</summary>
    public ReadOnlySpan<double> LastNodeLoad => _nodeLoad;

    public SimPartition? Find(PartitionId id) => _byId.GetValueOrDefault(id);

    /// <summary>True when a strategy may split or move the partition now: not moving and out of its cooldown.</summary>
    public bool IsFree(SimPartition partition) => !partition.Moving && Step - partition.ChangedAtStep >= Setup.CooldownSteps;

    public long BytesOf(SimPartition partition) => partition.KeyCount * Setup.BytesPerKey;

    /// <summary>Steps a move of this many bytes takes: ⌈bytes / bandwidth⌉, at least one (int.MaxValue when more, which outlasts any trace).</summary>
    public int MoveSteps(long bytes)
    {
        var steps = Math.Ceiling(bytes / Setup.MoveBandwidthBytesPerStep);
        return steps >= int.MaxValue ? int.MaxValue : Math.Max(1, (int)steps);
    }

    /// <summary>
    /// Splits a partition at key indices strictly inside it, in ascending order. The children stay on its node and inherit
    /// its cooldown (a split moves no data); each child's history is what its keys received so far.
    /// </summary>
    /// <exception cref="ArgumentException">A cut outside (Lo, Hi) or out of order, a wrong number of ids, an id in use, or a moving partition.</exception>
    public IReadOnlyList<SimPartition> Split(SimPartition partition, IReadOnlyList<int> cuts, IReadOnlyList<PartitionId> childIds)
    {
        ArgumentNullException.ThrowIfNull(partition);
        ArgumentNullException.ThrowIfNull(cuts);
        ArgumentNullException.ThrowIfNull(childIds);
        var index = _partitions.IndexOf(partition);
        if (index < 0 || partition.Moving)
        {
            throw new ArgumentException($"Partition '{partition.Id}' is not in the cluster or is moving; it cannot be split.", nameof(partition));
        }

        if (cuts.Count == 0 || childIds.Count != cuts.Count + 1)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"A split of '{partition.Id}' needs at least one cut and one more child id than cuts; got {cuts.Count} cuts and {childIds.Count} ids."), nameof(childIds));
        }

        var previous = partition.Lo;
        foreach (var cut in cuts)
        {
            if (cut <= previous || cut >= partition.Hi)
            {
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"Cut at key index {cut} is not strictly inside [{previous}, {partition.Hi}) of partition '{partition.Id}'."), nameof(cuts));
            }

            previous = cut;
        }

        var seen = new HashSet<PartitionId>();
        foreach (var id in childIds)
        {
            if ((_byId.ContainsKey(id) && id != partition.Id) || !seen.Add(id))
            {
                throw new ArgumentException($"Child id '{id}' of the split of '{partition.Id}' is already in use.", nameof(childIds));
            }
        }

        var children = new SimPartition[childIds.Count];
        for (var c = 0; c < children.Length; c++)
        {
            var lo = c == 0 ? partition.Lo : cuts[c - 1];
            var hi = c < cuts.Count ? cuts[c] : partition.Hi;
            var history = new List<double>(Math.Max(Step, 16));
            history.AddRange(Loads.RangeSeries(lo, hi, 0, Step));
            children[c] = new SimPartition(childIds[c], lo, hi, partition.Node, Step, history) { ChangedAtStep = partition.ChangedAtStep };
        }

        _partitions.RemoveAt(index);
        _byId.Remove(partition.Id);
        _partitions.InsertRange(index, children);
        foreach (var child in children)
        {
            _byId.Add(child.Id, child);
        }

        if (Step >= Setup.WarmupSteps)
        {
            Metrics.Splits++;
        }

        return children;
    }

    /// <summary>Starts moving a partition to another node now, when a move slot is free.</summary>
    /// <returns>False (and nothing changes) when the partition is moving, already on that node, or no slot is free.</returns>
    public bool TryStartMove(SimPartition partition, int toNode)
    {
        ArgumentNullException.ThrowIfNull(partition);
        if (toNode < 0 || toNode >= Setup.Nodes)
        {
            throw new ArgumentOutOfRangeException(nameof(toNode), toNode, string.Create(CultureInfo.InvariantCulture, $"Node index {toNode} is outside the cluster's {Setup.Nodes} nodes."));
        }

        if (partition.Moving || partition.Node == toNode || !HasMoveSlot || !_byId.ContainsKey(partition.Id))
        {
            return false;
        }

        var bytes = BytesOf(partition);
        // Summed in 64 bits: a move longer than the steps left ends after the trace, not (wrapped negative) at once.
        var endStep = (int)Math.Min((long)Step + MoveSteps(bytes), int.MaxValue);
        _running.Add(new RunningMove(partition, partition.Node, toNode, Step, endStep, bytes));
        partition.Moving = true;
        partition.ChangedAtStep = Step;
        if (Step >= Setup.WarmupSteps)
        {
            Metrics.Moves++;
            Metrics.BytesMoved += bytes;
        }

        return true;
    }

    /// <summary>The node a partition will be on once its running move (if any) completes.</summary>
    public int DestinationOf(SimPartition partition)
    {
        foreach (var move in _running)
        {
            if (move.Partition == partition)
            {
                return move.To;
            }
        }

        return partition.Node;
    }

    /// <summary>
    /// Replays the next step: routes every key's requests to its owner, adds move overhead, records, then completes the
    /// moves whose last copy step this was (their partitions serve the next step from their targets).
    /// </summary>
    public void Advance()
    {
        if (Finished)
        {
            throw new InvalidOperationException("The trace has been replayed to its end.");
        }

        var step = Step;
        Array.Clear(_nodeRequests);
        foreach (var partition in _partitions)
        {
            var load = Loads.RangeSum(step, partition.Lo, partition.Hi);
            partition.History.Add(load);
            _nodeRequests[partition.Node] += load;
        }

        _nodeRequests.CopyTo(_nodeLoad, 0);
        foreach (var move in _running)
        {
            // The copy loads both ends while it runs: for the share of this step it still has bytes to copy (a piece of a
            // tenth of a step's bandwidth runs for a tenth of the step), the whole step before its last.
            var left = move.Bytes - (Setup.MoveBandwidthBytesPerStep * (step - move.StartStep));
            var busy = Math.Clamp(left / Setup.MoveBandwidthBytesPerStep, 0, 1);
            var overhead = Setup.MoveOverheadShare * move.Partition.LastLoad * busy;
            _nodeLoad[move.From] += overhead;
            _nodeLoad[move.To] += overhead;
        }

        for (var n = 0; n < Setup.Nodes; n++)
        {
            Metrics.Record(step, n, _nodeLoad[n], _nodeRequests[n], Setup.NodeCapacity);
        }

        Step++;

        // A move copies during the steps [start, end) and its partition is served from the target from step end on; once
        // the step before end has been replayed the copy is done, so the move ends here and frees its slot for whatever a
        // strategy starts before step end. Ending it only when step end is replayed held a one-step move's slot through the
        // next decision too, so the cluster ran half the configured concurrent moves.
        for (var i = _running.Count - 1; i >= 0; i--)
        {
            var move = _running[i];
            if (move.EndStep <= Step)
            {
                move.Partition.Node = move.To;
                move.Partition.Moving = false;
                move.Partition.ChangedAtStep = Step;
                _running.RemoveAt(i);
            }
        }
    }

    private void Add(SimPartition partition)
    {
        _partitions.Add(partition);
        _byId.Add(partition.Id, partition);
    }
}
