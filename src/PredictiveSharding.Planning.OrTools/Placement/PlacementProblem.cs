using System.Globalization;
using PredictiveSharding.Forecasting;
using PredictiveSharding.Topology;

namespace PredictiveSharding.Planning.OrTools.Placement;

/// <summary>
/// A placement instance in dense arrays: partitions × nodes × resources × horizon steps, with the loads at the
/// planning quantile and at the overflow quantile, checked once so the solver and the evaluator can trust it.
/// </summary>
internal sealed class PlacementProblem
{
    /// <summary>
    /// Capacity is checked at this quantile (or the forecast's highest when it has none this high, since
    /// <see cref="LoadForecast.ValueAt"/> clamps): the "capacity overflow at the 0.99 quantile".
    /// </summary>
    public const double OverflowQuantile = 0.99;

    /// <summary>The quantile the planning load really is: the requested planning quantile, or the forecast's nearest when the request asks for one outside its range (ValueAt clamps).</summary>
    public double PlanningQuantileUsed => Math.Clamp(Request.Constraints.PlanningQuantile, Request.Forecast.Quantiles[0], Request.Forecast.Quantiles[^1]);

    /// <summary>The quantile the overflow load really is: <see cref="OverflowQuantile"/>, or the forecast's highest when that is lower (ValueAt clamps), so reasons name the quantile whose values they quote.</summary>
    public double OverflowQuantileUsed => Math.Min(OverflowQuantile, Request.Forecast.Quantiles[^1]);

    private PlacementProblem(
        PlanningRequest request,
        PartitionInfo[] partitions,
        NodeInfo[] nodes,
        ResourceKind[] resources,
        int steps,
        double[] load,
        double[] overflowLoad,
        double[] capacity,
        double[] threshold,
        int[] home,
        bool[] pinned)
    {
        Request = request;
        Partitions = partitions;
        Nodes = nodes;
        Resources = resources;
        Steps = steps;
        Load = load;
        OverflowLoad = overflowLoad;
        Capacity = capacity;
        Threshold = threshold;
        Home = home;
        Pinned = pinned;
    }

    public PlanningRequest Request { get; }

    /// <summary>The most partitions a placement may move: <see cref="PlanningConstraints.MaxMovesPerPlan"/>, or no limit.</summary>
    public int MaxMoves => Request.Constraints.MaxMovesPerPlan ?? int.MaxValue;

    public PartitionInfo[] Partitions { get; }

    public NodeInfo[] Nodes { get; }

    public ResourceKind[] Resources { get; }

    public int Steps { get; }

    public int PartitionCount => Partitions.Length;

    public int NodeCount => Nodes.Length;

    public int ResourceCount => Resources.Length;

    /// <summary>Load at the planning quantile, indexed by <see cref="LoadIndex"/>.</summary>
    public double[] Load { get; }

    /// <summary>Load at <see cref="OverflowQuantile"/>, indexed by <see cref="LoadIndex"/>.</summary>
    public double[] OverflowLoad { get; }

    /// <summary>Capacity, indexed by <c>node * ResourceCount + resource</c>; always positive.</summary>
    public double[] Capacity { get; }

    /// <summary>Utilisation threshold per resource.</summary>
    public double[] Threshold { get; }

    /// <summary>The node each partition is on now.</summary>
    public int[] Home { get; }

    /// <summary>Partitions inside their cooldown, which must stay where they are.</summary>
    public bool[] Pinned { get; }

    public int LoadIndex(int partition, int resource, int step) => (((partition * ResourceCount) + resource) * Steps) + step;

    public double CapacityOf(int node, int resource) => Capacity[(node * ResourceCount) + resource];

    /// <summary>
    /// The problem the search optimises: this one with every partition's load capped, per resource and step, at the
    /// largest node's limit (its allowance at the planning quantile, its capacity at the overflow quantile); this
    /// instance itself when no load exceeds its limit.
    /// </summary>
    /// <remarks>
    /// Why: the part of a partition's load above what any node can take is over the limit wherever it goes, so no
    /// placement can lower it. Counted in full, one such partition (a hot range this placement-only planner cannot split)
    /// is the peak of every placement and hides every other node's breach from the objective. Capped, its node counts as
    /// full plus whatever shares the node with it, so the optimum isolates it and then ends the breaches that can be
    /// ended. The plan's feasibility, predicted utilisation and the moves' reasons use the whole forecast (this instance).
    /// The genetic planner caps the same way (PlacementProblemBuilder), so the two still optimise the same objective.
    /// </remarks>
    public PlacementProblem CappedAtLargestNode()
    {
        var load = Capped(Load, threshold: true);
        var overflowLoad = Capped(OverflowLoad, threshold: false);
        return load is null && overflowLoad is null
            ? this
            : new PlacementProblem(Request, Partitions, Nodes, Resources, Steps, load ?? Load, overflowLoad ?? OverflowLoad, Capacity, Threshold, Home, Pinned);
    }

    /// <summary>Checks the request and lays it out densely.</summary>
    /// <exception cref="ArgumentException">The request is inconsistent; the message names the bad value.</exception>
    public static PlacementProblem Create(PlanningRequest request) => Create(request, CancellationToken.None);

    /// <summary>Checks the request and lays it out densely, asking <paramref name="cancellationToken"/> per partition.</summary>
    /// <exception cref="ArgumentException">The request is inconsistent; the message names the bad value.</exception>
    /// <exception cref="OperationCanceledException">Cancelled while the request was laid out.</exception>
    public static PlacementProblem Create(PlanningRequest request, CancellationToken cancellationToken)
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
            throw new ArgumentException("The cluster has no nodes; at least one node is needed to place partitions.", nameof(request));
        }

        foreach (var partitionId in forecast.Partitions.Keys)
        {
            if (!cluster.ContainsPartition(partitionId))
            {
                throw new ArgumentException($"The forecast has load for partition '{partitionId}', which is not in the cluster.", nameof(request));
            }
        }

        var partitions = cluster.Partitions.ToArray();
        var nodes = cluster.Nodes.ToArray();

        var resources = CollectResources(request);
        var steps = forecast.Horizon;
        if (steps == 0)
        {
            throw new ArgumentException("The forecast has no horizon steps; at least one step of load is needed to plan.", nameof(request));
        }

        var r = resources.Length;

        var capacity = new double[nodes.Length * r];
        for (var n = 0; n < nodes.Length; n++)
        {
            for (var k = 0; k < r; k++)
            {
                if (!nodes[n].Capacity.TryGetValue(resources[k], out var c))
                {
                    throw new ArgumentException($"Node '{nodes[n].Id}' has no capacity for resource '{resources[k]}', which the plan must place.", nameof(request));
                }

                if (!(c > 0))
                {
                    throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"Node '{nodes[n].Id}' has capacity {c} for resource '{resources[k]}'; a capacity must be positive."), nameof(request));
                }

                capacity[(n * r) + k] = c;
            }
        }

        var nodeIndex = new Dictionary<NodeId, int>(nodes.Length);
        for (var n = 0; n < nodes.Length; n++)
        {
            nodeIndex.Add(nodes[n].Id, n);
        }

        var quantile = request.Constraints.PlanningQuantile;
        var load = new double[partitions.Length * r * steps];
        var overflowLoad = new double[load.Length];
        var home = new int[partitions.Length];
        var pinned = new bool[partitions.Length];
        for (var p = 0; p < partitions.Length; p++)
        {
            // The layout reads every quantile the plan uses at every step of every partition, on the caller's thread
            // before the solver starts: on a large cluster long enough for a cancellation to be worth seeing per partition.
            cancellationToken.ThrowIfCancellationRequested();
            var partition = partitions[p];
            home[p] = nodeIndex[partition.Node];
            // The time since the change, not the change plus the cooldown: that sum overflows for a change at (or a
            // cooldown up to) the end of time, which a host may use to mean "never touch".
            pinned[p] = request.LastChanged.TryGetValue(partition.Id, out var changed) && request.Now - changed < request.Constraints.Cooldown;
            forecast.Partitions.TryGetValue(partition.Id, out var series);
            for (var k = 0; k < r; k++)
            {
                var resource = resources[k];
                var hasSeries = series is not null && series.ContainsKey(resource);
                for (var t = 0; t < steps; t++)
                {
                    var i = (((p * r) + k) * steps) + t;
                    if (hasSeries)
                    {
                        load[i] = forecast.ValueAt(partition.Id, resource, t, quantile);
                        overflowLoad[i] = forecast.ValueAt(partition.Id, resource, t, OverflowQuantile);
                    }
                    else
                    {
                        // CollectResources only admits a resource without a series when it is disk space taken from SizeBytes.
                        load[i] = partition.SizeBytes;
                        overflowLoad[i] = partition.SizeBytes;
                    }
                }
            }
        }

        var threshold = new double[r];
        for (var k = 0; k < r; k++)
        {
            threshold[k] = request.Constraints.ThresholdFor(resources[k]);
        }

        return new PlacementProblem(request, partitions, nodes, resources, steps, load, overflowLoad, capacity, threshold, home, pinned);
    }

    /// <summary>A copy of <paramref name="loads"/> capped at the largest node's limit per resource, or null when none exceeds it.</summary>
    private double[]? Capped(double[] loads, bool threshold)
    {
        double[]? capped = null;
        for (var r = 0; r < ResourceCount; r++)
        {
            var ceiling = 0.0;
            for (var n = 0; n < NodeCount; n++)
            {
                ceiling = Math.Max(ceiling, CapacityOf(n, r) * (threshold ? Threshold[r] : 1));
            }

            for (var p = 0; p < PartitionCount; p++)
            {
                for (var t = 0; t < Steps; t++)
                {
                    var i = LoadIndex(p, r, t);
                    if (loads[i] > ceiling)
                    {
                        capped ??= (double[])loads.Clone();
                        capped[i] = ceiling;
                    }
                }
            }
        }

        return capped;
    }

    /// <summary>
    /// The forecast's resources, in name order so the model is the same whatever the dictionaries' order, plus
    /// disk space when every node states a <c>diskBytes</c> capacity the forecast does not cover (a partition's size is its disk load).
    /// </summary>
    private static ResourceKind[] CollectResources(PlanningRequest request)
    {
        var forecast = request.Forecast;
        var nodes = request.Cluster.Nodes;
        var forecastResources = new SortedDictionary<string, ResourceKind>(StringComparer.Ordinal);
        foreach (var (_, series) in forecast.Partitions)
        {
            foreach (var resource in series.Keys)
            {
                forecastResources.TryAdd(resource.Name, resource);
            }
        }

        foreach (var partition in request.Cluster.Partitions)
        {
            if (!forecast.Partitions.TryGetValue(partition.Id, out var series))
            {
                throw new ArgumentException($"Partition '{partition.Id}' has no forecast; every partition of the cluster needs one.", nameof(request));
            }

            foreach (var resource in forecastResources.Values)
            {
                if (!series.ContainsKey(resource))
                {
                    throw new ArgumentException($"The forecast of partition '{partition.Id}' has no '{resource}' series, which other partitions have.", nameof(request));
                }
            }
        }

        foreach (var resource in forecastResources.Values)
        {
            if (!nodes.Any(n => n.Capacity.ContainsKey(resource)))
            {
                throw new ArgumentException($"The forecast has load for resource '{resource}', which no node has a capacity for.", nameof(request));
            }
        }

        var result = forecastResources.Values.ToList();
        if (!forecastResources.ContainsKey(ResourceKind.DiskBytes.Name) && nodes.All(n => n.Capacity.ContainsKey(ResourceKind.DiskBytes)))
        {
            result.Add(ResourceKind.DiskBytes);
        }

        if (result.Count == 0)
        {
            throw new ArgumentException("Neither the forecast nor the nodes' diskBytes capacities name a resource to place by.", nameof(request));
        }

        return [.. result];
    }
}
