using System.Globalization;
using PredictiveSharding.Forecasting;
using PredictiveSharding.Topology;

namespace PredictiveSharding.Planning.Placement;

/// <summary>
/// A validated, dense view of a planning request: the forecast of every partition at the planning quantile and at
/// the overflow quantile, laid out <c>[partition × resources × steps]</c>, and node capacities and allowances
/// (capacity × threshold) laid out <c>[node × resources]</c>. Dimension <c>d = resource × Steps + step</c>.
/// </summary>
internal sealed class LoadModel
{
    /// <summary>The quantile capacity overflow is checked at: 0.99, or the highest forecast quantile below it (ValueAt clamps).</summary>
    public const double OverflowQuantile = 0.99;

    private LoadModel(PlanningRequest request, ResourceKind[] resources, bool diskFromSizes)
    {
        Request = request;
        Resources = resources;
        DiskFromSizes = diskFromSizes;
        Nodes = [.. request.Cluster.Nodes];
        Partitions = [.. request.Cluster.Partitions];
        Steps = request.Forecast.Horizon;
        Dimensions = resources.Length * Steps;
        Thresholds = new double[resources.Length];
        for (var r = 0; r < resources.Length; r++)
        {
            Thresholds[r] = request.Constraints.ThresholdFor(resources[r]);
        }

        Capacity = new double[Nodes.Length * resources.Length];
        InvCapacity = new double[Capacity.Length];
        InvAllowance = new double[Capacity.Length];
        for (var n = 0; n < Nodes.Length; n++)
        {
            for (var r = 0; r < resources.Length; r++)
            {
                var cap = Nodes[n].Capacity[resources[r]];
                Capacity[(n * resources.Length) + r] = cap;
                InvCapacity[(n * resources.Length) + r] = 1 / cap;
                InvAllowance[(n * resources.Length) + r] = 1 / (cap * Thresholds[r]);
            }
        }

        NodeIndex = new Dictionary<NodeId, int>(Nodes.Length);
        for (var n = 0; n < Nodes.Length; n++)
        {
            NodeIndex[Nodes[n].Id] = n;
        }

        LoadQ = new double[Partitions.Length * Dimensions];
        Load99 = new double[Partitions.Length * Dimensions];
        Owner = new int[Partitions.Length];
        for (var p = 0; p < Partitions.Length; p++)
        {
            var partition = Partitions[p];
            Owner[p] = NodeIndex[partition.Node];
            for (var r = 0; r < resources.Length; r++)
            {
                var row = (p * Dimensions) + (r * Steps);
                if (diskFromSizes && resources[r] == ResourceKind.DiskBytes)
                {
                    LoadQ.AsSpan(row, Steps).Fill(partition.SizeBytes);
                    Load99.AsSpan(row, Steps).Fill(partition.SizeBytes);
                }
                else
                {
                    request.Forecast.ValuesAt(partition.Id, resources[r], request.Constraints.PlanningQuantile, LoadQ.AsSpan(row, Steps));
                    request.Forecast.ValuesAt(partition.Id, resources[r], OverflowQuantile, Load99.AsSpan(row, Steps));
                }
            }
        }
    }

    public PlanningRequest Request { get; }

    /// <summary>Resources in ordinal name order (forecast resources, plus disk bytes from partition sizes when <see cref="DiskFromSizes"/>).</summary>
    public ResourceKind[] Resources { get; }

    /// <summary>True when no forecast covers disk bytes but every node has a disk capacity, so partition sizes stand for it.</summary>
    public bool DiskFromSizes { get; }

    public NodeInfo[] Nodes { get; }

    /// <summary>Partitions in key order (the snapshot's order).</summary>
    public PartitionInfo[] Partitions { get; }

    public Dictionary<NodeId, int> NodeIndex { get; }

    public int Steps { get; }

    public int Dimensions { get; }

    public double[] Thresholds { get; }

    public double[] Capacity { get; }

    public double[] InvCapacity { get; }

    /// <summary>1 / (capacity × threshold): a node's load times this is its utilisation as a share of the threshold.</summary>
    public double[] InvAllowance { get; }

    public double[] LoadQ { get; }

    public double[] Load99 { get; }

    /// <summary>Index of each partition's current node.</summary>
    public int[] Owner { get; }

    /// <summary>
    /// The quantile the loads really are: the requested planning quantile, or the forecast's nearest quantile when the
    /// request asks for one outside its range (ValueAt clamps), so reasons name the quantile whose values they quote.
    /// </summary>
    public double PlanningQuantile => Math.Clamp(Request.Constraints.PlanningQuantile, Request.Forecast.Quantiles[0], Request.Forecast.Quantiles[^1]);

    /// <summary>The quantile overflow is really checked at: 0.99, or the highest forecast quantile when that is lower.</summary>
    public double OverflowQuantileUsed => Math.Min(OverflowQuantile, Request.Forecast.Quantiles[^1]);

    /// <summary>The start of a horizon step: forecast origin + step × step length.</summary>
    public DateTimeOffset StepTime(int step) => Request.Forecast.Origin + (Request.Forecast.Step * step);

    /// <summary>Validates the request and builds the dense model.</summary>
    /// <exception cref="ArgumentException">The request is inconsistent; the message names the bad value.</exception>
    public static LoadModel Build(PlanningRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(request.Cluster, nameof(request));
        ArgumentNullException.ThrowIfNull(request.Forecast, nameof(request));
        ArgumentNullException.ThrowIfNull(request.Constraints, nameof(request));
        ArgumentNullException.ThrowIfNull(request.LastChanged, nameof(request));
        request.Constraints.Validate();
        ForecastFreshness.ThrowIfStale(request);

        var cluster = request.Cluster;
        var forecast = request.Forecast;
        if (cluster.Nodes.Count == 0)
        {
            throw new ArgumentException("The cluster snapshot has no nodes; there is nothing to place partitions on.", nameof(request));
        }

        LoadForecast.ValidateQuantiles(forecast.Quantiles);
        foreach (var id in forecast.Partitions.Keys)
        {
            if (!cluster.ContainsPartition(id))
            {
                throw new ArgumentException($"The forecast has a series for partition '{id}', which is not in the cluster snapshot.", nameof(request));
            }
        }

        var resourceSet = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var resources in forecast.Partitions.Values)
        {
            foreach (var resource in resources.Keys)
            {
                resourceSet.Add(resource.Name);
            }
        }

        foreach (var partition in cluster.Partitions)
        {
            if (!forecast.Partitions.TryGetValue(partition.Id, out var resources))
            {
                throw new ArgumentException($"Partition '{partition.Id}' is missing from the forecast.", nameof(request));
            }

            foreach (var name in resourceSet)
            {
                if (!resources.ContainsKey(new ResourceKind(name)))
                {
                    throw new ArgumentException($"The forecast of partition '{partition.Id}' has no '{name}' series, which other partitions have.", nameof(request));
                }
            }
        }

        if (cluster.Partitions.Count > 0 && forecast.Horizon < 1)
        {
            throw new ArgumentException("The forecast has no horizon steps.", nameof(request));
        }

        foreach (var name in resourceSet)
        {
            var resource = new ResourceKind(name);
            var anyNode = false;
            foreach (var node in cluster.Nodes)
            {
                anyNode |= node.Capacity.ContainsKey(resource);
            }

            if (!anyNode)
            {
                throw new ArgumentException($"The forecast has resource '{name}', which no node has a capacity for.", nameof(request));
            }

            foreach (var node in cluster.Nodes)
            {
                if (!node.Capacity.TryGetValue(resource, out var cap))
                {
                    throw new ArgumentException($"Node '{node.Id}' has no capacity for forecast resource '{name}'.", nameof(request));
                }

                if (!(cap > 0))
                {
                    throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"Node '{node.Id}' has capacity {cap} for resource '{name}'; a capacity must be positive."), nameof(request));
                }
            }
        }

        // Partition sizes stand for disk load when the host forecasts no disk but gives every node a disk capacity:
        // that is what keeps a plan from filling a node's disk with the shards it moves there. A disk capacity of 0 is
        // refused as a forecast resource's is: silently dropping the disk limit for every node because one node
        // reports none would let the plan overfill the others (CP-SAT refuses the same request).
        var diskFromSizes = false;
        if (!resourceSet.Contains(ResourceKind.DiskBytes.Name))
        {
            diskFromSizes = true;
            foreach (var node in cluster.Nodes)
            {
                if (!node.Capacity.ContainsKey(ResourceKind.DiskBytes))
                {
                    diskFromSizes = false;
                    break;
                }
            }

            if (diskFromSizes)
            {
                foreach (var node in cluster.Nodes)
                {
                    var disk = node.Capacity[ResourceKind.DiskBytes];
                    if (!(disk > 0))
                    {
                        throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"Node '{node.Id}' has capacity {disk} for resource '{ResourceKind.DiskBytes.Name}'; a capacity must be positive (partition sizes count against every node's disk when all nodes give one)."), nameof(request));
                    }
                }

                resourceSet.Add(ResourceKind.DiskBytes.Name);
            }
        }

        var list = new ResourceKind[resourceSet.Count];
        var i = 0;
        foreach (var name in resourceSet)
        {
            list[i++] = new ResourceKind(name);
        }

        var model = new LoadModel(request, list, diskFromSizes);
        model.ThrowIfUtilizationUnrepresentable();
        return model;
    }

    /// <summary>
    /// Throws when a node's utilisation could leave the range of a double. Every forecast value is finite (QuantileSeries
    /// checks) and every capacity positive, but a node's load is a sum of values and its utilisation that sum over the
    /// capacity (× threshold): beyond the range they became infinity (or NaN), and the plan reported an infinite
    /// predicted peak and shortfall, which plan.json cannot even hold. Checked on the cluster's whole load per resource
    /// and step, twice over (a move's copy adds up to its load again on both ends), against the smallest capacity.
    /// </summary>
    private void ThrowIfUtilizationUnrepresentable()
    {
        var resources = Resources.Length;
        for (var r = 0; r < resources; r++)
        {
            var smallest = 0;
            double largestInverse = 0;
            for (var n = 0; n < Nodes.Length; n++)
            {
                var inverse = Math.Max(InvCapacity[(n * resources) + r], InvAllowance[(n * resources) + r]);
                if (!(inverse <= largestInverse))
                {
                    largestInverse = inverse;
                    smallest = n;
                }
            }

            for (var t = 0; t < Steps; t++)
            {
                double total = 0;
                for (var p = 0; p < Partitions.Length; p++)
                {
                    var d = (p * Dimensions) + (r * Steps) + t;
                    total += Math.Max(LoadQ[d], Load99[d]);
                }

                if (!double.IsFinite(2 * total * largestInverse) || !double.IsFinite(largestInverse))
                {
                    throw new ArgumentException(
                        string.Create(CultureInfo.InvariantCulture, $"The forecast's '{Resources[r]}' load at step {t}, {total:R} over all partitions, is beyond the range of a double as a share of node '{Nodes[smallest].Id}''s capacity {Capacity[(smallest * resources) + r]:R} (threshold {Thresholds[r]:R}); give loads and capacities in units whose ratio stays finite."),
                        "request");
                }
            }
        }
    }
}
