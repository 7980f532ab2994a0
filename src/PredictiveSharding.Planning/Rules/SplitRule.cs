using System.Globalization;
using PredictiveSharding.Planning.Explain;
using PredictiveSharding.Planning.Placement;
using PredictiveSharding.Planning.SplitKeys;
using PredictiveSharding.Topology;

namespace PredictiveSharding.Planning.Rules;

/// <summary>
/// Which partitions to split, into how many shards, at which keys. A partition is split when its node is predicted to
/// cross a threshold and it alone takes more than <see cref="GeneticPlannerOptions.SplitShareThreshold"/> of the largest
/// node's allowance (too coarse to place), or when it is larger than <see cref="PlanningConstraints.MaxPartitionBytes"/>.
/// The number of shards is the smallest k whose children all come out under the hysteresis targets and fit, first fit
/// decreasing, into the nodes' headroom; a single key hotter than the largest node can carry is reported, not "solved".
/// </summary>
internal static class SplitRule
{
    /// <exception cref="OperationCanceledException">Cancelled (asked before each partition's split is worked out).</exception>
    public static List<SplitDecision> Decide(
        LoadModel model,
        double[] nodeLoad,
        NodeBreach?[] breaches,
        NodeBreach?[] overflows,
        bool[] cooling,
        GeneticPlannerOptions options,
        PartitionIdAllocator ids,
        List<string> warnings,
        CancellationToken cancellationToken)
    {
        var decisions = new List<SplitDecision>();
        var constraints = model.Request.Constraints;
        var invLargest = LargestAllowanceInverse(model);
        var invLargestCapacity = LargestCapacityInverse(model);
        var loadTarget = options.SplitShareThreshold * (1 - options.HysteresisMargin);
        var sizeTarget = constraints.MaxPartitionBytes is { } limit ? limit * (1 - options.HysteresisMargin) : double.PositiveInfinity;
        for (var p = 0; p < model.Partitions.Length; p++)
        {
            var partition = model.Partitions[p];
            var breach = breaches[model.Owner[p]];
            var (share, _) = PeakShare(model, p, invLargest, diskOnly: false);
            // The upper quantile against capacity: a partition that may surge past the split share is split before it does,
            // so that the placement (which charges overflow at this quantile) can spread its pieces in time.
            var share99 = options.SplitOnOverflowQuantile && breach is null && overflows[model.Owner[p]] is not null ? PeakShare99(model, p, invLargestCapacity) : 0;
            var overflowTrigger = share99 > options.SplitShareThreshold;
            var loadTrigger = (breach is not null && share > options.SplitShareThreshold) || overflowTrigger;
            var sizeTrigger = constraints.MaxPartitionBytes is { } max && partition.SizeBytes > max;
            if (!loadTrigger && !sizeTrigger)
            {
                continue;
            }

            // Each split tries up to MaxSplitWays proposals, each a first-fit pass over the nodes' steps, and asks the
            // host's IPartitionIdSource for its ids: work (and calls into the host) a cancelled plan must not go on with.
            cancellationToken.ThrowIfCancellationRequested();
            var samples = KeyWeights.From(partition);
            if (loadTrigger)
            {
                WarnHotKey(model, p, samples, invLargest, warnings);
            }

            if (cooling[p])
            {
                warnings.Add($"Partition '{partition.Id}' would be split but changed within the cooldown ({constraints.Cooldown}); left as it is.");
                continue;
            }

            if (samples.Count < 2)
            {
                warnings.Add($"Partition '{partition.Id}' should be split ({(loadTrigger ? "load" : "size")}) but has fewer than two distinct sampled keys inside its range; it can only be moved (if its keys share a prefix longer than the recorder keeps, LoadRecorderOptions.MaxSampledKeyBytes, raise that).");
                continue;
            }

            var (diskShare, hasDisk) = PeakShare(model, p, invLargest, diskOnly: true);
            var (requestShare, _) = PeakShare(model, p, invLargest, diskOnly: false, excludeDisk: true);
            var loadScale = Math.Max(requestShare, overflowTrigger ? share99 : 0) / loadTarget;
            var sizeScale = Math.Max(partition.SizeBytes / sizeTarget, hasDisk ? diskShare / loadTarget : 0);
            var proposal = ChooseWays(model, nodeLoad, p, samples, options.MaxSplitWays, loadScale, sizeScale);
            var newIds = new PartitionId[proposal.Ways];
            for (var i = 0; i < newIds.Length; i++)
            {
                newIds[i] = ids.ForSplit(partition.Id, i, newIds.Length);
            }

            decisions.Add(new SplitDecision(p, proposal, newIds, Reason(model, p, breach, share, loadTrigger, sizeTrigger, proposal, options, overflowTrigger ? share99 : 0)));
            if (sizeTrigger)
            {
                WarnStillTooLarge(model, p, proposal, samples.Count, options, warnings);
            }
        }

        return decisions;
    }

    /// <summary>1 / the largest allowance (capacity × threshold) of any node, per resource.</summary>
    public static double[] LargestAllowanceInverse(LoadModel model) => SmallestPerResource(model, model.InvAllowance);

    /// <summary>1 / the largest capacity of any node, per resource.</summary>
    public static double[] LargestCapacityInverse(LoadModel model) => SmallestPerResource(model, model.InvCapacity);

    /// <summary>The smallest of a per-node, per-resource value over the nodes, per resource.</summary>
    private static double[] SmallestPerResource(LoadModel model, double[] perNode)
    {
        var resources = model.Resources.Length;
        var smallest = new double[resources];
        for (var r = 0; r < resources; r++)
        {
            smallest[r] = double.PositiveInfinity;
            for (var n = 0; n < model.Nodes.Length; n++)
            {
                smallest[r] = Math.Min(smallest[r], perNode[(n * resources) + r]);
            }
        }

        return smallest;
    }

    /// <summary>
    /// A partition's peak load (disk excluded) at the overflow quantile as a share of the largest node's capacity; with
    /// <paramref name="other"/> (not −1), the peak of the two partitions' load together, as a merge of them would carry.
    /// </summary>
    public static double PeakShare99(LoadModel model, int p, double[] invLargestCapacity, int other = -1)
    {
        double share = 0;
        for (var r = 0; r < model.Resources.Length; r++)
        {
            if (model.Resources[r] == ResourceKind.DiskBytes)
            {
                continue;
            }

            for (var t = 0; t < model.Steps; t++)
            {
                var d = (r * model.Steps) + t;
                var load = model.Load99[(p * model.Dimensions) + d] + (other < 0 ? 0 : model.Load99[(other * model.Dimensions) + d]);
                share = Math.Max(share, load * invLargestCapacity[r]);
            }
        }

        return share;
    }

    /// <summary>A partition's peak load over the horizon as a share of the largest node's allowance, and the step.</summary>
    public static (double Share, bool Any) PeakShare(LoadModel model, int p, double[] invLargest, bool diskOnly, bool excludeDisk = false)
    {
        double share = 0;
        var any = false;
        for (var r = 0; r < model.Resources.Length; r++)
        {
            var isDisk = model.Resources[r] == ResourceKind.DiskBytes;
            if ((diskOnly && !isDisk) || (excludeDisk && isDisk))
            {
                continue;
            }

            any = true;
            for (var t = 0; t < model.Steps; t++)
            {
                share = Math.Max(share, model.LoadQ[(p * model.Dimensions) + (r * model.Steps) + t] * invLargest[r]);
            }
        }

        return (share, any);
    }

    private static SplitProposal ChooseWays(LoadModel model, double[] nodeLoad, int p, KeyWeights samples, int maxWays, double loadScale, double sizeScale)
    {
        SplitProposal? underTargets = null;
        SplitProposal? leastCost = null;
        var ways = Math.Min(maxWays, SplitKeyChooser.MaxWays(samples));
        for (var k = 2; k <= ways; k++)
        {
            var proposal = SplitKeyChooser.Choose(samples, k, loadScale, sizeScale);
            var meets = proposal.MaxCost <= 1 + 1e-9;
            if (meets && FitsHeadroom(model, nodeLoad, p, proposal))
            {
                return proposal;
            }

            if (meets)
            {
                underTargets ??= proposal;
            }

            if (leastCost is null || proposal.MaxCost < leastCost.MaxCost - 1e-9)
            {
                leastCost = proposal;
            }
        }

        return underTargets ?? leastCost!;
    }

    /// <summary>Whether the children fit, first fit decreasing, under the thresholds of the nodes given their other load.</summary>
    private static bool FitsHeadroom(LoadModel model, double[] nodeLoad, int p, SplitProposal proposal)
    {
        var dims = model.Dimensions;
        var resources = model.Resources.Length;
        var nodes = model.Nodes.Length;
        var owner = model.Owner[p];
        var used = (double[])nodeLoad.Clone();
        for (var d = 0; d < dims; d++)
        {
            used[(owner * dims) + d] -= model.LoadQ[(p * dims) + d];
        }

        var order = new int[proposal.Ways];
        for (var c = 0; c < order.Length; c++)
        {
            order[c] = c;
        }

        Array.Sort(order, (a, b) => proposal.LoadShares[a] != proposal.LoadShares[b] ? proposal.LoadShares[b].CompareTo(proposal.LoadShares[a]) : a.CompareTo(b));
        foreach (var c in order)
        {
            var placed = false;
            for (var n = 0; n < nodes && !placed; n++)
            {
                var fits = true;
                for (var r = 0; r < resources && fits; r++)
                {
                    var share = ChildShare(model, proposal, c, r);
                    var inv = model.InvAllowance[(n * resources) + r];
                    for (var t = 0; t < model.Steps; t++)
                    {
                        var d = (r * model.Steps) + t;
                        if ((used[(n * dims) + d] + (share * model.LoadQ[(p * dims) + d])) * inv > 1)
                        {
                            fits = false;
                            break;
                        }
                    }
                }

                if (fits)
                {
                    for (var r = 0; r < resources; r++)
                    {
                        var share = ChildShare(model, proposal, c, r);
                        for (var t = 0; t < model.Steps; t++)
                        {
                            var d = (r * model.Steps) + t;
                            used[(n * dims) + d] += share * model.LoadQ[(p * dims) + d];
                        }
                    }

                    placed = true;
                }
            }

            if (!placed)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>A child's share of its parent's load of a resource: data share for disk, load share otherwise.</summary>
    public static double ChildShare(LoadModel model, SplitProposal proposal, int child, int resource) =>
        model.Resources[resource] == ResourceKind.DiskBytes ? proposal.SizeShares[child] : proposal.LoadShares[child];

    private static void WarnHotKey(LoadModel model, int p, KeyWeights samples, double[] invLargest, List<string> warnings)
    {
        if (samples.Count == 0)
        {
            return;
        }

        var (key, keyShare) = samples.Heaviest();
        double worst = 0;
        var worstStep = 0;
        var worstResource = 0;
        for (var r = 0; r < model.Resources.Length; r++)
        {
            if (model.Resources[r] == ResourceKind.DiskBytes)
            {
                continue;
            }

            for (var t = 0; t < model.Steps; t++)
            {
                var v = keyShare * model.LoadQ[(p * model.Dimensions) + (r * model.Steps) + t] * invLargest[r];
                if (v > worst)
                {
                    worst = v;
                    worstStep = t;
                    worstResource = r;
                }
            }
        }

        if (worst > 1)
        {
            warnings.Add(string.Create(CultureInfo.InvariantCulture, $"Key '{key}' of partition '{model.Partitions[p].Id}' carries {keyShare:P0} of its sampled load: {worst:0.00} × the largest node's allowance (capacity × threshold) of {model.Resources[worstResource]} at step {worstStep} ({ReasonText.Time(model.StepTime(worstStep))}), q{ReasonText.Quantile(model.PlanningQuantile)}. No split can spread a single key; it needs a bigger node, replicas or an application change."));
        }
    }

    /// <summary>Warns when the largest shard of a split for size is still above the size limit (too few sampled keys, or MaxSplitWays).</summary>
    private static void WarnStillTooLarge(LoadModel model, int p, SplitProposal proposal, int samples, GeneticPlannerOptions options, List<string> warnings)
    {
        var partition = model.Partitions[p];
        var limit = model.Request.Constraints.MaxPartitionBytes!.Value;
        double largestShare = 0;
        foreach (var s in proposal.SizeShares)
        {
            largestShare = Math.Max(largestShare, s);
        }

        var largest = (long)(largestShare * partition.SizeBytes);
        if (largest > limit)
        {
            warnings.Add(string.Create(CultureInfo.InvariantCulture, $"Partition '{partition.Id}' is split {proposal.Ways} ways for size, but its largest shard, about {ReasonText.Bytes(largest)} bytes, is still above MaxPartitionBytes {ReasonText.Bytes(limit)}: its {samples} distinct sampled keys and MaxSplitWays ({options.MaxSplitWays}) allow no finer split in this plan."));
        }
    }

    private static string Reason(LoadModel model, int p, NodeBreach? breach, double share, bool loadTrigger, bool sizeTrigger, SplitProposal proposal, GeneticPlannerOptions options, double share99)
    {
        var partition = model.Partitions[p];
        var parts = new List<string>(2);
        if (loadTrigger && breach is { } b)
        {
            double maxChild = 0;
            foreach (var s in proposal.LoadShares)
            {
                maxChild = Math.Max(maxChild, s);
            }

            parts.Add(string.Create(CultureInfo.InvariantCulture, $"{ReasonText.Breach(model, b)}; partition {partition.Id} alone peaks at {ReasonNumbers.Against(share, options.SplitShareThreshold)} of the largest node's allowance (> split share {ReasonNumbers.Setting(options.SplitShareThreshold)}): split {proposal.Ways} ways at sampled keys, the largest shard taking {maxChild:P0} of its load"));
        }

        if (share99 > 0)
        {
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"its node is forecast over capacity at q{ReasonText.Quantile(model.OverflowQuantileUsed)}, where partition {partition.Id} alone peaks at {ReasonNumbers.Against(share99, options.SplitShareThreshold)} of the largest node's capacity (> split share {ReasonNumbers.Setting(options.SplitShareThreshold)}): split {proposal.Ways} ways before it surges"));
        }

        if (sizeTrigger)
        {
            double maxChild = 0;
            foreach (var s in proposal.SizeShares)
            {
                maxChild = Math.Max(maxChild, s);
            }

            parts.Add(string.Create(CultureInfo.InvariantCulture, $"partition {partition.Id} holds {ReasonText.Bytes(partition.SizeBytes)} bytes > MaxPartitionBytes {ReasonText.Bytes(model.Request.Constraints.MaxPartitionBytes!.Value)}: split {proposal.Ways} ways, the largest shard about {ReasonText.Bytes((long)(maxChild * partition.SizeBytes))} bytes"));
        }

        return string.Join("; ", parts);
    }
}
