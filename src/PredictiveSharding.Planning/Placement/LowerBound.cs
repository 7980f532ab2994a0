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

        // A shard's peak on a node is, per resource, its highest step times the node's inverse allowance (a product with
        // a non-negative factor keeps the order of its other factor, rounding included, so this is the same number as the
        // maximum of the products). Nodes come in few sizes: only distinct allowance rows are tried. Together this takes
        // the bound from shards × nodes × steps to shards × (steps + sizes), 2 s → milliseconds on 100,000 × 500 × 24.
        var sizes = DistinctAllowanceRows(p);
        var highest = new double[p.Resources];
        double indivisible = 0;
        for (var s = 0; s < p.Shards; s++)
        {
            for (var r = 0; r < p.Resources; r++)
            {
                var m = double.NegativeInfinity;
                var row = p.LoadQ.AsSpan((s * dims) + (r * p.Steps), p.Steps);
                for (var t = 0; t < row.Length; t++)
                {
                    m = Math.Max(m, row[t]);
                }

                highest[r] = m;
            }

            var bestNode = double.PositiveInfinity;
            foreach (var n in sizes)
            {
                double peak = 0;
                for (var r = 0; r < p.Resources; r++)
                {
                    peak = Math.Max(peak, highest[r] * p.InvAllowance[(n * p.Resources) + r]);
                }

                bestNode = Math.Min(bestNode, peak);
            }

            indivisible = Math.Max(indivisible, bestNode);
        }

        return new LowerBound(aggregate, indivisible);
    }

    /// <summary>One node of each distinct row of inverse allowances (the first of each).</summary>
    private static List<int> DistinctAllowanceRows(PlacementProblem p)
    {
        var rows = new List<int>();
        for (var n = 0; n < p.Nodes; n++)
        {
            var seen = false;
            foreach (var m in rows)
            {
                seen = p.InvAllowance.AsSpan(n * p.Resources, p.Resources).SequenceEqual(p.InvAllowance.AsSpan(m * p.Resources, p.Resources));
                if (seen)
                {
                    break;
                }
            }

            if (!seen)
            {
                rows.Add(n);
            }
        }

        return rows;
    }
}
