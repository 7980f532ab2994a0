using PredictiveSharding.Planning;
using PredictiveSharding.Topology;

namespace PredictiveSharding.Hosting.Tests.Fakes;

/// <summary>Moves the partition with the highest forecast to the node with the least forecast load, or fails when told to.</summary>
internal sealed class HotPartitionPlanner : IShardPlanner
{
    private int _running;

    public bool Fail { get; set; }

    /// <summary>When set, each call awaits it (with the call's token) before planning.</summary>
    public Func<CancellationToken, Task>? Gate { get; set; }

    /// <summary>When set, the next call throws this exception (once).</summary>
    public Exception? FailOnceWith { get; set; }

    /// <summary>When above 0, plans are returned infeasible by this shortfall (the actions are the same).</summary>
    public double Shortfall { get; set; }

    /// <summary>The warnings every plan carries.</summary>
    public IReadOnlyList<string> Warnings { get; set; } = [];

    public int Calls { get; private set; }

    /// <summary>When set, returns null instead of a plan (a host planner with a bug).</summary>
    public bool ReturnNull { get; set; }

    public int MaxConcurrent { get; private set; }

    public PlanningRequest? LastRequest { get; private set; }

    public async Task<ShardingPlan> PlanAsync(PlanningRequest request, CancellationToken cancellationToken)
    {
        var running = Interlocked.Increment(ref _running);
        MaxConcurrent = Math.Max(MaxConcurrent, running);
        try
        {
            await Task.Yield();
            if (Gate is { } gate)
            {
                await gate(cancellationToken);
            }

            Calls++;
            LastRequest = request;
            if (FailOnceWith is { } once)
            {
                FailOnceWith = null;
                throw once;
            }

            if (Fail)
            {
                throw new InvalidOperationException("planner failure injected by the test");
            }

            if (ReturnNull)
            {
                return null!;
            }

            var load = request.Cluster.Partitions.ToDictionary(p => p.Id, p => request.Forecast.ValueAt(p.Id, ResourceKind.Requests, 0, 0.9));
            var nodeLoad = request.Cluster.Nodes.ToDictionary(n => n.Id, n => request.Cluster.Partitions.Where(p => p.Node == n.Id).Sum(p => load[p.Id]));
            var hot = request.Cluster.Partitions.Where(p => !request.LastChanged.ContainsKey(p.Id)).MaxBy(p => load[p.Id]);
            var coolest = nodeLoad.MinBy(kv => kv.Value).Key;
            var summary = new UtilizationSummary(nodeLoad.Values.Max() / 100, coolest, ResourceKind.Requests, 0);
            if (hot is null || hot.Node == coolest)
            {
                return new ShardingPlan(Shortfall <= 0, [], summary, summary, 0, TimeSpan.Zero) { Shortfall = Shortfall, Warnings = Warnings };
            }

            var move = new MoveAction(hot.Id, hot.Node, coolest, hot.SizeBytes, request.Now, TimeSpan.Zero, "hottest partition to the coolest node (test planner)");
            return new ShardingPlan(Shortfall <= 0, [move], summary, summary, hot.SizeBytes, TimeSpan.Zero) { Shortfall = Shortfall, Warnings = Warnings };
        }
        finally
        {
            Interlocked.Decrement(ref _running);
        }
    }
}
