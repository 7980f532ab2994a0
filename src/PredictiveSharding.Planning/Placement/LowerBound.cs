namespace PredictiveSharding.Planning.Placement;

/// <summary>
/// A lower bound on the predicted peak (as a share of capacity × threshold) that any placement can reach:
/// the larger of the aggregate bound (at each resource and step, total load over total allowance) and the
/// indivisible bound (the heaviest shard on the node that suits it best). Above 1 no placement keeps every node
/// under its thresholds.
/// </summary>
/// <param name="Aggregate">Max over resources and steps of total load / total allowance.</param>
/// <param name="Indivisible">Max over shards of the least peak that shard alone causes on any node.</param>
internal readonly record struct LowerBound(double Aggregate, double Indivisible)
{
    public double Value => Math.Max(Aggregate, Indivisible);

    public static LowerBound Compute(PlacementProblem p)
    {
        var dims = p.Dimensions;
        var total = new double[dims];
        for (var s = 0; s < p.Shards; s++)
        {
            var load = p.LoadQ.AsSpan(s * dims, dims);
            for (var d = 0; d < dims; d++)
            {
                total[d] += load[d];
            }
        }

        double aggregate = 0;
        for (var r = 0; r < p.Resources; r++)
        {
            double allowance = 0;
            for (var n = 0; n < p.Nodes; n++)
            {
                allowance += 1 / p.InvAllowance[(n * p.Resources) + r];
            }

            for (var t = 0; t < p.Steps; t++)
            {
                aggregate = Math.Max(aggregate, total[(r * p.Steps) + t] / allowance);
            }
        }

        double indivisible = 0;
        for (var s = 0; s < p.Shards; s++)
        {
            var bestNode = double.PositiveInfinity;
            for (var n = 0; n < p.Nodes; n++)
            {
                double peak = 0;
                for (var r = 0; r < p.Resources; r++)
                {
                    var inv = p.InvAllowance[(n * p.Resources) + r];
                    for (var t = 0; t < p.Steps; t++)
                    {
                        peak = Math.Max(peak, p.LoadQ[(s * dims) + (r * p.Steps) + t] * inv);
                    }
                }

                bestNode = Math.Min(bestNode, peak);
            }

            indivisible = Math.Max(indivisible, bestNode);
        }

        return new LowerBound(aggregate, indivisible);
    }
}
