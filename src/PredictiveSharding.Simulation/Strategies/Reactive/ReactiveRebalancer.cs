using PredictiveSharding.Simulation.Cluster;
using PredictiveSharding.Topology;

namespace PredictiveSharding.Simulation.Strategies.Reactive;

/// <summary>
/// What CockroachDB and TiKV do, step by step: split a partition once its measured load has stayed above the threshold for
/// the consecutive steps (at the sampled key that balances left and right, <see cref="LoadSplitFinder"/>), then let the store
/// rebalancer move load from the hottest node to the coolest while the hottest is more than 10% above the mean
/// (CockroachDB's store rebalancer, with its 100 QPS minimum difference mapped to 1% of a node's capacity).
/// </summary>
internal sealed class ReactiveRebalancer : IRebalancer
{
    private readonly ReactiveSettings _settings;
    private readonly Random _random;
    private readonly TimeProvider _time;
    private TimeSpan _planTime;

    public ReactiveRebalancer(string name, ReactiveSettings settings, int seed, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(settings);
        Name = name;
        _settings = settings;
        _random = new Random(seed);
        _time = time;
    }

    public string Name { get; }

    public string Setting => _settings.Describe();

    public ReactiveSettings Settings => _settings;

    public TimeSpan ForecastTime => TimeSpan.Zero;

    public TimeSpan PlanTime => _planTime;

    public ValueTask BeforeStepAsync(ClusterModel cluster, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        cancellationToken.ThrowIfCancellationRequested();
        var started = _time.GetTimestamp();
        if (cluster.Step > 0)
        {
            LoadBasedSplit.Apply(cluster, _settings.ThresholdShare, _settings.ConsecutiveSteps, _random, ".");
            Rebalance(cluster);
        }

        _planTime += _time.GetElapsedTime(started);
        return ValueTask.CompletedTask;
    }

    /// <summary>
    /// The store rebalancer alone: while a move slot is free and the hottest node (by last load, a moving partition counted
    /// at its destination) is more than 10% above the mean, move the partition that best relieves it to the coolest node.
    /// The planned strategies run it between plans with <see cref="SimulationOptions.StoreRebalanceBetweenPlans"/>.
    /// </summary>
    internal static void Rebalance(ClusterModel cluster)
    {
        var nodes = cluster.Setup.Nodes;
        var load = new double[nodes];
        double total = 0;
        foreach (var partition in cluster.Partitions)
        {
            // A partition on its way counts where it is going, so the same surplus is not moved twice.
            load[cluster.DestinationOf(partition)] += partition.LastLoad;
            total += partition.LastLoad;
        }

        var mean = total / nodes;
        var minDifference = SimulationDefaults.RebalanceMinDifferenceShare * cluster.Setup.NodeCapacity;
        var overfull = mean * (1 + SimulationDefaults.RebalanceAboveMean);
        var done = new bool[nodes];
        while (cluster.HasMoveSlot)
        {
            int hottest = -1, coolest = 0;
            for (var n = 0; n < nodes; n++)
            {
                if (!done[n] && (hottest < 0 || load[n] > load[hottest]))
                {
                    hottest = n;
                }

                if (load[n] < load[coolest])
                {
                    coolest = n;
                }
            }

            if (hottest < 0 || load[hottest] <= overfull || load[hottest] - mean < minDifference)
            {
                return;
            }

            var choice = ChooseMove(cluster, hottest, load[hottest], load[coolest], overfull);
            if (choice is null || !cluster.TryStartMove(choice, coolest))
            {
                done[hottest] = true;
                continue;
            }

            load[hottest] -= choice.LastLoad;
            load[coolest] += choice.LastLoad;
        }
    }

    /// <summary>
    /// The partition of the hottest node to move to the coolest: the largest that keeps the coolest out of overfull; failing
    /// that, the one that most lowers the higher of the two; none if no move lowers it.
    /// </summary>
    private static SimPartition? ChooseMove(ClusterModel cluster, int hottest, double hotLoad, double coolLoad, double overfull)
    {
        SimPartition? fitting = null;
        SimPartition? improving = null;
        var improvingMax = hotLoad;
        foreach (var partition in cluster.Partitions)
        {
            var l = partition.LastLoad;
            if (partition.Node != hottest || !cluster.IsFree(partition) || !(l > 0))
            {
                continue;
            }

            var pairMax = Math.Max(hotLoad - l, coolLoad + l);
            if (pairMax >= hotLoad)
            {
                continue;
            }

            if (coolLoad + l <= overfull && (fitting is null || l > fitting.LastLoad))
            {
                fitting = partition;
            }

            if (pairMax < improvingMax)
            {
                improvingMax = pairMax;
                improving = partition;
            }
        }

        return fitting ?? improving;
    }
}
