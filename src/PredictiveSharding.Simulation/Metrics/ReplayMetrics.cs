namespace PredictiveSharding.Simulation.Metrics;

/// <summary>What one replay measured after the warm-up, plus every node's utilisation at every step (for plots).</summary>
internal sealed class ReplayMetrics
{
    private readonly float[] _utilization;

    public ReplayMetrics(int nodes, int steps, int warmupSteps)
    {
        Nodes = nodes;
        Steps = steps;
        WarmupSteps = warmupSteps;
        _utilization = new float[(long)nodes * steps];
    }

    public int Nodes { get; }

    public int Steps { get; }

    public int WarmupSteps { get; }

    public long OverloadedNodeSteps { get; private set; }

    /// <summary>
    /// Overloaded node-steps whose requests alone were within capacity: the load the running moves' copies added put the
    /// node over. A strategy's own moves caused these.
    /// </summary>
    public long MoveOverloadedNodeSteps { get; private set; }

    public double RequestsOnOverloadedNodes { get; private set; }

    public double Requests { get; private set; }

    public int Splits { get; set; }

    public int Moves { get; set; }

    public long BytesMoved { get; set; }

    /// <summary>Records one node at one step: its load (requests plus move overhead) and the requests it served.</summary>
    public void Record(int step, int node, double load, double requests, double capacity)
    {
        var utilization = (float)(load / capacity);
        if (load > capacity && !(utilization > 1f))
        {
            // A node over capacity by less than a float's precision near 1 (1e-8 of it) rounded to exactly 1, which the
            // plot and --utilization-csv show as not overloaded although the node-step counts as overloaded below.
            utilization = MathF.BitIncrement(1f);
        }

        _utilization[((long)step * Nodes) + node] = utilization;
        if (step < WarmupSteps)
        {
            return;
        }

        Requests += requests;
        if (load > capacity)
        {
            OverloadedNodeSteps++;
            RequestsOnOverloadedNodes += requests;
            if (requests <= capacity)
            {
                MoveOverloadedNodeSteps++;
            }
        }
    }

    public double UtilizationAt(int step, int node) => _utilization[((long)step * Nodes) + node];

    /// <summary>Every node's utilisation per step, step by step.</summary>
    public ReadOnlySpan<float> Utilization => _utilization;

    /// <summary>The nearest-rank percentile of node utilisation over the node-steps after the warm-up (0 when there are none).</summary>
    public double UtilizationPercentile(double percentile)
    {
        var measured = _utilization.AsSpan(WarmupSteps * Nodes).ToArray();

        // Utilisations are kept in single precision (the plot's series); reported at that precision (1.2, not
        // 1.2000000476837158) rather than with the binary noise of widening a float. Decimal holds magnitudes up to about
        // 7.9e28: beyond that (a node capacity far below the trace's loads) the float is widened as it is, since the
        // conversion would throw and the figure, overloaded by some 28 orders of magnitude, needs no tidying.
        var value = (float)Percentile.NearestRank(measured, percentile);
        if (!(Math.Abs(value) < 1e28f))
        {
            return value;
        }

        // Decimal keeps 7 significant digits of a float, so a utilisation just above 1 (an overloaded node-step) tidied
        // to 1: kept as it is when tidying would move it onto or below capacity.
        var tidy = (double)(decimal)value;
        return value > 1f && !(tidy > 1) ? value : tidy;
    }
}
