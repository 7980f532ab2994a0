using PredictiveSharding.Planning.Rules;
using PredictiveSharding.Topology;

namespace PredictiveSharding.Planning.Placement;

/// <summary>
/// Turns the load model and the rules' splits and merges into the placement problem: one shard per unchanged
/// partition, per split child and per merge. Children and merges start on their parent's node; a child's load is
/// its load share of the parent's (its data share for disk bytes) and its bytes are its data share of the parent's.
/// </summary>
internal static class PlacementProblemBuilder
{
    public static (PlacementProblem Problem, PartitionId[] ShardIds) Build(
        LoadModel model,
        IReadOnlyList<SplitDecision> splits,
        IReadOnlyList<MergeDecision> merges,
        bool[] cooling,
        GeneticPlannerOptions options)
    {
        var dims = model.Dimensions;
        var splitOf = new SplitDecision?[model.Partitions.Length];
        foreach (var split in splits)
        {
            splitOf[split.Partition] = split;
        }

        var mergeOf = new MergeDecision?[model.Partitions.Length];
        foreach (var merge in merges)
        {
            mergeOf[merge.Left] = merge;
        }

        // Sized up front: on 100,000 partitions the lists' growth, copying and first touch of fresh pages took most of
        // the build.
        var shards = model.Partitions.Length - merges.Count;
        foreach (var split in splits)
        {
            shards += split.Proposal.Ways - 1;
        }

        shards = Math.Max(shards, 0);

        var ids = new List<PartitionId>(shards);
        var loadQ = new List<double>(shards * dims);
        var load99 = new List<double>(shards * dims);
        var bytes = new List<long>(shards);
        var current = new List<int>(shards);
        var pinned = new List<bool>(shards);
        var mixes = new List<IReadOnlyDictionary<string, double>>(shards);
        for (var p = 0; p < model.Partitions.Length; p++)
        {
            var partition = model.Partitions[p];
            if (mergeOf[p] is { } merge)
            {
                var right = p + 1;
                ids.Add(merge.Merged);
                for (var d = 0; d < dims; d++)
                {
                    loadQ.Add(model.LoadQ[(p * dims) + d] + model.LoadQ[(right * dims) + d]);
                    load99.Add(model.Load99[(p * dims) + d] + model.Load99[(right * dims) + d]);
                }

                bytes.Add(partition.SizeBytes + model.Partitions[right].SizeBytes);
                current.Add(model.Owner[p]);
                pinned.Add(false);
                mixes.Add(MergeMix(partition.RegionMix, model.Partitions[right].RegionMix));
                p = right;
                continue;
            }

            if (splitOf[p] is { } split)
            {
                long assigned = 0;
                for (var c = 0; c < split.Proposal.Ways; c++)
                {
                    ids.Add(split.NewPartitions[c]);
                        for (var r = 0; r < model.Resources.Length; r++)
                    {
                        var share = SplitRule.ChildShare(model, split.Proposal, c, r);
                        for (var t = 0; t < model.Steps; t++)
                        {
                            var d = (r * model.Steps) + t;
                            loadQ.Add(share * model.LoadQ[(p * dims) + d]);
                            load99.Add(share * model.Load99[(p * dims) + d]);
                        }
                    }

                    // The last child takes the rounding remainder so the children's bytes add up to the parent's.
                    var childBytes = c + 1 < split.Proposal.Ways
                        ? (long)Math.Round(split.Proposal.SizeShares[c] * partition.SizeBytes)
                        : partition.SizeBytes - assigned;
                    childBytes = Math.Clamp(childBytes, 0, partition.SizeBytes - assigned);
                    assigned += childBytes;
                    bytes.Add(childBytes);
                    current.Add(model.Owner[p]);
                    pinned.Add(false);
                    mixes.Add(partition.RegionMix);
                }

                continue;
            }

            ids.Add(partition.Id);
            for (var d = 0; d < dims; d++)
            {
                loadQ.Add(model.LoadQ[(p * dims) + d]);
                load99.Add(model.Load99[(p * dims) + d]);
            }

            bytes.Add(partition.SizeBytes);
            current.Add(model.Owner[p]);
            pinned.Add(cooling[p]);
            mixes.Add(partition.RegionMix);
        }

        var loadArray = loadQ.ToArray();
        var load99Array = load99.ToArray();
        var bytesArray = bytes.ToArray();
        var currentArray = current.ToArray();
        var pinnedArray = pinned.ToArray();
        var (localityCost, nodeRegion, regions) = Locality(model, loadArray, mixes);
        var transient = Transient(model, bytesArray, options);
        PlacementProblem Create(double[] shardLoad, double[] shardLoad99, PlacementProblem? uncapped) => new(
            model.Nodes.Length,
            model.Resources.Length,
            model.Steps,
            shardLoad,
            shardLoad99,
            bytesArray,
            currentArray,
            pinnedArray,
            model.InvAllowance,
            model.InvCapacity,
            model.Request.Constraints.MoveBudgetBytes,
            options.MoveCostWeight,
            options.OverflowWeight,
            localityCost,
            nodeRegion,
            regions,
            options.PeakFloor,
            transient)
        {
            MaxMoves = model.Request.Constraints.MaxMovesPerPlan ?? int.MaxValue,
            BreachSumWeight = options.BreachSumWeight,
            OverflowSpreadWeight = options.OverflowSpreadWeight,
            IsolationWeight = options.IsolationWeight,
            PerMoveCost = options.PerMoveCost,
            Uncapped = uncapped,
        };

        var whole = Create(loadArray, load99Array, uncapped: null);
        var cappedLoad = CappedAtLargestNode(model, loadArray, model.InvAllowance);
        var cappedLoad99 = CappedAtLargestNode(model, load99Array, model.InvCapacity);
        var problem = cappedLoad is null && cappedLoad99 is null ? whole : Create(cappedLoad ?? loadArray, cappedLoad99 ?? load99Array, whole);
        return (problem, [.. ids]);
    }

    /// <summary>
    /// Every shard's load capped, per resource and step, at the largest node's limit (<paramref name="inverse"/> holds
    /// 1 / limit per node and resource: the allowance for the planning quantile, the capacity for the overflow quantile).
    /// </summary>
    /// <remarks>
    /// Why: the part of a shard's load above what any node can take is over the limit wherever the shard goes, so no
    /// placement can lower it. Counted in full, one such shard (a hot key that cannot be split further) is the cluster's
    /// peak in every placement and hides every other node's breach from the objective, and the only "improvement" left
    /// is to carry the hot shard to whichever node has least else on it, plan after plan. Capped, its node counts as full
    /// plus whatever shares the node with it, so the plan isolates it and then attends to the breaches it can end. The
    /// rules, the plan's feasibility, its predicted utilisation and the moves' reasons still use the whole forecast
    /// (<see cref="PlacementProblem.Uncapped"/>).
    /// </remarks>
    /// <returns>A capped copy of <paramref name="loads"/>, or null when no load exceeds its limit.</returns>
    private static double[]? CappedAtLargestNode(LoadModel model, double[] loads, double[] inverse)
    {
        var resources = model.Resources.Length;
        var steps = model.Steps;
        var dims = model.Dimensions;
        var shards = loads.Length / dims;
        double[]? capped = null;
        for (var r = 0; r < resources; r++)
        {
            var smallestInverse = double.PositiveInfinity;
            for (var n = 0; n < model.Nodes.Length; n++)
            {
                smallestInverse = Math.Min(smallestInverse, inverse[(n * resources) + r]);
            }

            // 0: some node's limit is unbounded, so every load fits somewhere.
            if (!(smallestInverse > 0) || double.IsPositiveInfinity(smallestInverse))
            {
                continue;
            }

            var ceiling = 1 / smallestInverse;
            for (var s = 0; s < shards; s++)
            {
                for (var d = (s * dims) + (r * steps); d < (s * dims) + ((r + 1) * steps); d++)
                {
                    if (loads[d] > ceiling)
                    {
                        capped ??= (double[])loads.Clone();
                        capped[d] = ceiling;
                    }
                }
            }
        }

        return capped;
    }

    /// <summary>
    /// How many forecast steps each shard's move would take at the constraints' bandwidth (at least one for a shard with
    /// bytes), with the options' overhead share; null when the share is 0.
    /// </summary>
    private static MoveTransient? Transient(LoadModel model, long[] bytes, GeneticPlannerOptions options)
    {
        if (!(options.MoveOverheadShare > 0))
        {
            return null;
        }

        var bytesPerStep = model.Request.Constraints.MoveBandwidthBytesPerSecond * model.Request.Forecast.Step.TotalSeconds;
        var steps = new int[bytes.Length];
        for (var s = 0; s < steps.Length; s++)
        {
            steps[s] = bytes[s] <= 0 ? 0 : (int)Math.Clamp(Math.Ceiling(bytes[s] / bytesPerStep), 1, model.Steps);
        }

        return new MoveTransient(steps, options.MoveOverheadShare);
    }

    private static Dictionary<string, double> MergeMix(IReadOnlyDictionary<string, double> a, IReadOnlyDictionary<string, double> b)
    {
        var mix = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var (region, share) in a)
        {
            mix[region] = share;
        }

        foreach (var (region, share) in b)
        {
            mix[region] = mix.GetValueOrDefault(region) + share;
        }

        return mix;
    }

    /// <summary>
    /// Locality cost of shard s in region g: LocalityWeight × (s's share of the cluster's load) × (share of s's
    /// requests from outside g). Summed over shards it lies in [0, LocalityWeight].
    /// </summary>
    private static (double[]? Cost, int[]? NodeRegion, int Regions) Locality(LoadModel model, double[] loadQ, List<IReadOnlyDictionary<string, double>> mixes)
    {
        var weight = model.Request.Constraints.LocalityWeight;
        var anyMix = false;
        foreach (var mix in mixes)
        {
            anyMix |= mix.Count > 0;
        }

        if (weight == 0 || !anyMix)
        {
            return (null, null, 0);
        }

        var regionNames = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var node in model.Nodes)
        {
            regionNames.Add(node.Region);
        }

        var names = regionNames.ToArray();
        var nodeRegion = new int[model.Nodes.Length];
        for (var n = 0; n < nodeRegion.Length; n++)
        {
            nodeRegion[n] = Array.IndexOf(names, model.Nodes[n].Region);
        }

        var meanInv = new double[model.Resources.Length];
        for (var r = 0; r < meanInv.Length; r++)
        {
            for (var n = 0; n < model.Nodes.Length; n++)
            {
                meanInv[r] += model.InvAllowance[(n * meanInv.Length) + r] / model.Nodes.Length;
            }
        }

        var shards = mixes.Count;
        var dims = model.Dimensions;
        var shardWeight = new double[shards];
        double total = 0;
        for (var s = 0; s < shards; s++)
        {
            for (var r = 0; r < meanInv.Length; r++)
            {
                for (var t = 0; t < model.Steps; t++)
                {
                    shardWeight[s] += loadQ[(s * dims) + (r * model.Steps) + t] * meanInv[r];
                }
            }

            total += shardWeight[s];
        }

        var cost = new double[shards * names.Length];
        if (total <= 0)
        {
            return (cost, nodeRegion, names.Length);
        }

        for (var s = 0; s < shards; s++)
        {
            var mix = mixes[s];
            double sum = 0;
            foreach (var share in mix.Values)
            {
                sum += share;
            }

            if (sum <= 0)
            {
                continue;
            }

            for (var g = 0; g < names.Length; g++)
            {
                var remote = 1 - (mix.GetValueOrDefault(names[g]) / sum);
                cost[(s * names.Length) + g] = weight * shardWeight[s] / total * remote;
            }
        }

        return (cost, nodeRegion, names.Length);
    }
}
