using PredictiveSharding.Topology;

namespace PredictiveSharding.Planning.OrTools.Placement;

/// <summary>The predicted load of every node under one assignment, and the figures a plan reports from it.</summary>
internal sealed class PlacementEvaluation
{
    private readonly PlacementProblem _problem;
    private readonly double[] _nodeLoad;
    private readonly double[] _nodeOverflowLoad;

    private PlacementEvaluation(PlacementProblem problem, double[] nodeLoad, double[] nodeOverflowLoad)
    {
        _problem = problem;
        _nodeLoad = nodeLoad;
        _nodeOverflowLoad = nodeOverflowLoad;

        var bestIndex = 0;
        var best = double.NegativeInfinity;
        var bestRelative = double.NegativeInfinity;
        var bestOverflow = double.NegativeInfinity;
        for (var n = 0; n < problem.NodeCount; n++)
        {
            for (var r = 0; r < problem.ResourceCount; r++)
            {
                for (var t = 0; t < problem.Steps; t++)
                {
                    var u = Utilization(n, r, t);
                    if (u > best)
                    {
                        best = u;
                        bestIndex = NodeIndex(n, r, t);
                    }

                    bestRelative = Math.Max(bestRelative, u / problem.Threshold[r]);
                    bestOverflow = Math.Max(bestOverflow, OverflowUtilization(n, r, t) - 1);
                }
            }
        }

        var node = bestIndex / (problem.ResourceCount * problem.Steps);
        var resource = bestIndex / problem.Steps % problem.ResourceCount;
        Summary = new UtilizationSummary(best, problem.Nodes[node].Id, problem.Resources[resource], bestIndex % problem.Steps);
        PeakRelativeToThreshold = bestRelative;
        Overflow = Math.Max(0, bestOverflow);
    }

    /// <summary>The maximum utilisation at the planning quantile and where it is.</summary>
    public UtilizationSummary Summary { get; }

    /// <summary>The maximum over nodes, resources and steps of utilisation divided by the resource's threshold.</summary>
    public double PeakRelativeToThreshold { get; }

    /// <summary>How far the worst node exceeds its capacity at the overflow quantile, as a share of capacity (0 when none does).</summary>
    public double Overflow { get; }

    /// <summary>True when every node stays under every threshold at every step.</summary>
    public bool WithinThresholds => PeakRelativeToThreshold <= 1;

    public static PlacementEvaluation Of(PlacementProblem problem, ReadOnlySpan<int> assignment)
    {
        var nodeLoad = new double[problem.NodeCount * problem.ResourceCount * problem.Steps];
        var nodeOverflowLoad = new double[nodeLoad.Length];
        var perPartition = problem.ResourceCount * problem.Steps;
        for (var p = 0; p < problem.PartitionCount; p++)
        {
            var offset = assignment[p] * perPartition;
            var source = problem.LoadIndex(p, 0, 0);
            for (var i = 0; i < perPartition; i++)
            {
                nodeLoad[offset + i] += problem.Load[source + i];
                nodeOverflowLoad[offset + i] += problem.OverflowLoad[source + i];
            }
        }

        return new PlacementEvaluation(problem, nodeLoad, nodeOverflowLoad);
    }

    public double Utilization(int node, int resource, int step) =>
        _nodeLoad[NodeIndex(node, resource, step)] / _problem.CapacityOf(node, resource);

    public double OverflowUtilization(int node, int resource, int step) =>
        _nodeOverflowLoad[NodeIndex(node, resource, step)] / _problem.CapacityOf(node, resource);

    /// <summary>
    /// The first step at which a node crosses a threshold at the planning quantile or its capacity at the overflow
    /// quantile, and on which resource; null when it never does within the horizon.
    /// </summary>
    public Breach? FirstBreach(int node)
    {
        for (var t = 0; t < _problem.Steps; t++)
        {
            for (var r = 0; r < _problem.ResourceCount; r++)
            {
                var u = Utilization(node, r, t);
                if (u > _problem.Threshold[r])
                {
                    return new Breach(node, r, t, u, _problem.PlanningQuantileUsed, _problem.Threshold[r]);
                }

                var overflow = OverflowUtilization(node, r, t);
                if (overflow > 1)
                {
                    return new Breach(node, r, t, overflow, _problem.OverflowQuantileUsed, 1) { AgainstCapacity = true };
                }
            }
        }

        return null;
    }

    /// <summary>The earliest breach on any node (ties go to the lower node index), or null when there is none.</summary>
    public Breach? FirstBreachAnywhere()
    {
        Breach? first = null;
        for (var n = 0; n < _problem.NodeCount; n++)
        {
            if (FirstBreach(n) is { } breach && (first is null || breach.Step < first.Step))
            {
                first = breach;
            }
        }

        return first;
    }

    private int NodeIndex(int node, int resource, int step) => (((node * _problem.ResourceCount) + resource) * _problem.Steps) + step;
}
