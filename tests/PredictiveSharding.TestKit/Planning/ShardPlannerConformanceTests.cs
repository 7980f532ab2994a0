using System.Globalization;
using System.Text;
using PredictiveSharding.Forecasting;
using PredictiveSharding.Keys;
using PredictiveSharding.Planning;
using PredictiveSharding.Topology;

namespace PredictiveSharding.TestKit.Planning;

/// <summary>
/// The behaviour every <see cref="IShardPlanner"/> must show: the move budget is never exceeded (a zero budget means
/// no moves), infeasibility is a result with a placement, the same planner settings give the same plan, bad input is
/// refused with an <see cref="ArgumentException"/> naming the bad value, a cluster under its thresholds is left alone,
/// and an overloaded node gets relief. Derive a fixture and override <see cref="CreateSut"/> (a seeded planner; it is
/// called more than once per test where determinism is checked).
/// </summary>
/// <remarks>
/// Instances carry no key samples and no partition size limit, so a placement-only planner (one that never splits)
/// runs every case as it is.
/// </remarks>
public abstract class ShardPlannerConformanceTests
{
    /// <summary>The forecast origin and the request time of every instance.</summary>
    protected static DateTimeOffset Now { get; } = new(2026, 3, 2, 8, 0, 0, TimeSpan.Zero);

    /// <summary>Bytes in every partition of the instances.</summary>
    protected const long PartitionBytes = 1_000_000_000;

    /// <summary>A fresh planner with fixed settings (seed included).</summary>
    protected abstract IShardPlanner CreateSut();

    /// <summary>Plan_NeverExceedsTheMoveBudget.</summary>
    [Test]
    public async Task Plan_WhenFixingNeedsMoreThanTheBudget_NeverMovesMoreThanTheBudget()
    {
        var budget = (2 * PartitionBytes) + (PartitionBytes / 2);
        var request = OverloadedRequest(hotPartitions: 8, hotLoad: 150) with
        {
            Constraints = Constraints(budget),
        };

        var plan = await CreateSut().PlanAsync(request, CancellationToken.None);

        var moves = plan.Actions.OfType<MoveAction>().ToList();
        Assert.That(plan.MovedBytes, Is.LessThanOrEqualTo(budget));
        Assert.That(moves.Sum(m => m.Bytes), Is.LessThanOrEqualTo(budget));
        Assert.That(moves, Is.Not.Empty, "with room for two moves the planner should use it");
    }

    /// <summary>A zero budget allows no move.</summary>
    [Test]
    public async Task Plan_WhenMoveBudgetIsZero_ReturnsNoMoves()
    {
        var request = OverloadedRequest(hotPartitions: 8, hotLoad: 150) with { Constraints = Constraints(0) };

        var plan = await CreateSut().PlanAsync(request, CancellationToken.None);

        Assert.That(plan.Actions.OfType<MoveAction>(), Is.Empty);
        Assert.That(plan.MovedBytes, Is.Zero);
    }

    /// <summary>Infeasible is a result, with the best placement found.</summary>
    [Test]
    public async Task Plan_WhenTotalLoadExceedsThresholds_ReturnsInfeasibleWithPlacement()
    {
        // 4 nodes × 1000 × 0.8 = 3200 allowed; 16 partitions × 300 = 4800 predicted.
        var loads = Enumerable.Repeat(300.0, 16).ToArray();
        var request = Request(NodeOfPartition(16, hotNode: 0, hotCount: 4), loads, Constraints(long.MaxValue));

        var plan = await CreateSut().PlanAsync(request, CancellationToken.None);

        Assert.That(plan.Feasible, Is.False);
        Assert.That(plan.Shortfall, Is.GreaterThan(0.4).And.LessThan(0.6), "4800 / 3200 − 1 = 0.5");
        Assert.That(plan.After.MaxUtilization, Is.GreaterThanOrEqualTo(4800.0 / 4000 - 1e-9), "no placement beats the average");
        Assert.That(plan.After.MaxUtilization, Is.LessThanOrEqualTo(plan.Before.MaxUtilization + 1e-9));
    }

    /// <summary>The same settings and request give the same plan.</summary>
    [Test]
    public async Task Plan_WithSameSeed_ReturnsSamePlan()
    {
        var request = OverloadedRequest(hotPartitions: 9, hotLoad: 130) with { Constraints = Constraints(4 * PartitionBytes) };

        var first = await CreateSut().PlanAsync(request, CancellationToken.None);
        var second = await CreateSut().PlanAsync(request, CancellationToken.None);

        Assert.That(Describe(second), Is.EqualTo(Describe(first)));
        Assert.That(second.After, Is.EqualTo(first.After));
    }

    /// <summary>A forecast for a partition the cluster does not have is refused.</summary>
    [Test]
    public void Plan_WhenForecastHasUnknownPartition_ThrowsNamingIt()
    {
        var request = OverloadedRequest(4, 100);
        var series = new Dictionary<PartitionId, IReadOnlyDictionary<ResourceKind, QuantileSeries>>(request.Forecast.Partitions)
        {
            [new PartitionId("ghost")] = request.Forecast.Partitions[Partition(0)],
        };
        var bad = request with { Forecast = new LoadForecast(Now, TimeSpan.FromHours(1), request.Forecast.Quantiles, series) };

        var ex = Assert.ThrowsAsync(Is.InstanceOf<ArgumentException>(), () => CreateSut().PlanAsync(bad, CancellationToken.None));
        Assert.That(ex!.Message, Does.Contain("ghost"));
    }

    /// <summary>A partition with no forecast is refused.</summary>
    [Test]
    public void Plan_WhenPartitionIsMissingFromForecast_ThrowsNamingIt()
    {
        var request = OverloadedRequest(4, 100);
        var series = new Dictionary<PartitionId, IReadOnlyDictionary<ResourceKind, QuantileSeries>>(request.Forecast.Partitions);
        series.Remove(Partition(3));
        var bad = request with { Forecast = new LoadForecast(Now, TimeSpan.FromHours(1), request.Forecast.Quantiles, series) };

        var ex = Assert.ThrowsAsync(Is.InstanceOf<ArgumentException>(), () => CreateSut().PlanAsync(bad, CancellationToken.None));
        Assert.That(ex!.Message, Does.Contain(Partition(3).Value));
    }

    /// <summary>A node with zero capacity for a forecast resource is refused.</summary>
    [Test]
    public void Plan_WhenNodeHasZeroCapacity_ThrowsNamingIt()
    {
        var request = OverloadedRequest(4, 100);
        var nodes = request.Cluster.Nodes.Select((n, i) => i == 2 ? new NodeInfo(n.Id, new Dictionary<ResourceKind, double> { [ResourceKind.Requests] = 0 }, n.Region) : n);
        var bad = request with { Cluster = new ClusterSnapshot(nodes, request.Cluster.Partitions, 1) };

        var ex = Assert.ThrowsAsync(Is.InstanceOf<ArgumentException>(), () => CreateSut().PlanAsync(bad, CancellationToken.None));
        Assert.That(ex!.Message, Does.Contain(request.Cluster.Nodes[2].Id.Value));
    }

    /// <summary>A forecast resource no node has a capacity for is refused.</summary>
    [Test]
    public void Plan_WhenForecastResourceHasNoCapacity_ThrowsNamingIt()
    {
        var request = OverloadedRequest(4, 100);
        var gpu = new ResourceKind("gpuSeconds");
        var series = request.Forecast.Partitions.ToDictionary(
            kv => kv.Key,
            kv => (IReadOnlyDictionary<ResourceKind, QuantileSeries>)new Dictionary<ResourceKind, QuantileSeries>(kv.Value) { [gpu] = kv.Value[ResourceKind.Requests] });
        var bad = request with { Forecast = new LoadForecast(Now, TimeSpan.FromHours(1), request.Forecast.Quantiles, series) };

        var ex = Assert.ThrowsAsync(Is.InstanceOf<ArgumentException>(), () => CreateSut().PlanAsync(bad, CancellationToken.None));
        Assert.That(ex!.Message, Does.Contain("gpuSeconds"));
    }

    /// <summary>A forecast whose every step ends at or before the planning time is refused, naming both times.</summary>
    [Test]
    public void Plan_WhenForecastEndsBeforeNow_ThrowsNamingItsLastStepAndNow()
    {
        var request = OverloadedRequest(4, 100);
        var end = request.Forecast.Origin + (request.Forecast.Step * request.Forecast.Horizon);
        var lastStart = end - request.Forecast.Step;
        var stale = request with { Now = end };

        var ex = Assert.ThrowsAsync(Is.InstanceOf<ArgumentException>(), () => CreateSut().PlanAsync(stale, CancellationToken.None));
        Assert.That(ex!.Message, Does.Contain(lastStart.ToString("O", CultureInfo.InvariantCulture)).And.Contain(end.ToString("O", CultureInfo.InvariantCulture)));
    }

    /// <summary>A forecast whose last step is still running at the planning time is planned on.</summary>
    [Test]
    public async Task Plan_WhenNowIsInTheForecastsLastStep_Plans()
    {
        var request = OverloadedRequest(4, 100);
        var end = request.Forecast.Origin + (request.Forecast.Step * request.Forecast.Horizon);

        var plan = await CreateSut().PlanAsync(request with { Now = end - TimeSpan.FromTicks(1) }, CancellationToken.None);

        Assert.That(plan, Is.Not.Null);
    }

    /// <summary>Invalid constraints are refused.</summary>
    [Test]
    public void Plan_WhenConstraintsAreInvalid_ThrowsNamingTheSetting()
    {
        var request = OverloadedRequest(4, 100) with { Constraints = new PlanningConstraints { PlanningQuantile = 1.5 } };

        var ex = Assert.ThrowsAsync(Is.InstanceOf<ArgumentException>(), () => CreateSut().PlanAsync(request, CancellationToken.None));
        Assert.That(ex!.Message, Does.Contain("PlanningQuantile"));
    }

    /// <summary>A cluster predicted to stay under its thresholds is left alone.</summary>
    [Test]
    public async Task Plan_WhenBalancedUnderThresholds_ReturnsNoActions()
    {
        var loads = Enumerable.Repeat(150.0, 16).ToArray();
        var request = Request(NodeOfPartition(16, hotNode: 0, hotCount: 4), loads, Constraints(long.MaxValue));

        var plan = await CreateSut().PlanAsync(request, CancellationToken.None);

        Assert.That(plan.Actions, Is.Empty);
        Assert.That(plan.Feasible, Is.True);
        Assert.That(plan.After.MaxUtilization, Is.EqualTo(plan.Before.MaxUtilization).Within(1e-9));
    }

    /// <summary>An overloaded node gets relief: the predicted peak drops under the threshold when the budget allows.</summary>
    [Test]
    public async Task Plan_WhenOneNodeIsOverloaded_BringsEveryNodeUnderItsThreshold()
    {
        var request = OverloadedRequest(hotPartitions: 8, hotLoad: 150) with { Constraints = Constraints(long.MaxValue) };

        var plan = await CreateSut().PlanAsync(request, CancellationToken.None);

        Assert.That(plan.Before.MaxUtilization, Is.GreaterThan(0.8));
        Assert.That(plan.After.MaxUtilization, Is.LessThanOrEqualTo(0.8 + 1e-9));
        Assert.That(plan.Feasible, Is.True);
        foreach (var move in plan.Actions.OfType<MoveAction>())
        {
            Assert.That(request.Cluster.ContainsNode(move.To), Is.True, move.To.Value);
            Assert.That(move.Reason, Is.Not.Empty);
            Assert.That(move.StartBy, Is.GreaterThanOrEqualTo(request.Now));
        }
    }

    /// <summary>A cancelled token cancels the plan.</summary>
    [Test]
    public void Plan_WhenCancelled_ThrowsOperationCanceled()
    {
        using var cts = new CancellationTokenSource();
        cts.Cancel();

        Assert.ThrowsAsync(Is.InstanceOf<OperationCanceledException>(), () => CreateSut().PlanAsync(OverloadedRequest(8, 150), cts.Token));
    }

    /// <summary>The id of partition <paramref name="index"/> of the instances.</summary>
    protected static PartitionId Partition(int index) => new("p" + index.ToString("00", CultureInfo.InvariantCulture));

    /// <summary>Constraints with the given move budget, no size limit, no locality and default thresholds (0.8).</summary>
    protected static PlanningConstraints Constraints(long moveBudgetBytes) => new()
    {
        MoveBudgetBytes = moveBudgetBytes,
        MaxPartitionBytes = null,
        LocalityWeight = 0,
    };

    /// <summary>
    /// 4 nodes of 1000 requests; node n0 holds <paramref name="hotPartitions"/> partitions of <paramref name="hotLoad"/>
    /// requests, the other 12 − hot partitions spread over n1..n3 at 100 requests each.
    /// </summary>
    protected static PlanningRequest OverloadedRequest(int hotPartitions, double hotLoad)
    {
        const int count = 16;
        var loads = new double[count];
        for (var i = 0; i < count; i++)
        {
            loads[i] = i < hotPartitions ? hotLoad : 100;
        }

        return Request(NodeOfPartition(count, hotNode: 0, hotCount: hotPartitions), loads, Constraints(long.MaxValue));
    }

    /// <summary>Node index of each partition: the first <paramref name="hotCount"/> on <paramref name="hotNode"/>, the rest round-robin on the others.</summary>
    protected static int[] NodeOfPartition(int count, int hotNode, int hotCount)
    {
        var nodes = new int[count];
        var others = new[] { 1, 2, 3 }.Select(n => (n + hotNode) % 4).ToArray();
        for (var i = 0; i < count; i++)
        {
            nodes[i] = i < hotCount ? hotNode : others[(i - hotCount) % 3];
        }

        return nodes;
    }

    /// <summary>
    /// A request over 4 nodes (capacity 1000 requests, regions eu/us) and one partition per load, each on the given
    /// node, of <see cref="PartitionBytes"/> bytes, forecast for 6 hourly steps with quantiles 0.5/0.9/0.99 at
    /// 0.8/1/1.1 × the load (the load peaks at step 3).
    /// </summary>
    protected static PlanningRequest Request(int[] nodeOfPartition, double[] loads, PlanningConstraints constraints)
    {
        var nodes = Enumerable.Range(0, 4)
            .Select(n => new NodeInfo(new NodeId("n" + n.ToString(CultureInfo.InvariantCulture)), new Dictionary<ResourceKind, double> { [ResourceKind.Requests] = 1000 }, n % 2 == 0 ? "eu" : "us"))
            .ToArray();
        var partitions = new List<PartitionInfo>();
        var series = new Dictionary<PartitionId, IReadOnlyDictionary<ResourceKind, QuantileSeries>>();
        const int steps = 6;
        for (var i = 0; i < loads.Length; i++)
        {
            var start = i == 0 ? ShardKey.Empty : ShardKey.FromString("k" + i.ToString("00", CultureInfo.InvariantCulture));
            ShardKey? end = i == loads.Length - 1 ? null : ShardKey.FromString("k" + (i + 1).ToString("00", CultureInfo.InvariantCulture));
            partitions.Add(new PartitionInfo(Partition(i), new KeyRange(start, end), nodes[nodeOfPartition[i]].Id, PartitionBytes, 1000));
            var values = new double[steps * 3];
            for (var t = 0; t < steps; t++)
            {
                var level = loads[i] * (t == 3 ? 1 : 0.9);
                values[(t * 3) + 0] = 0.8 * level;
                values[(t * 3) + 1] = level;
                values[(t * 3) + 2] = 1.1 * level;
            }

            series[Partition(i)] = new Dictionary<ResourceKind, QuantileSeries> { [ResourceKind.Requests] = new QuantileSeries(steps, 3, values) };
        }

        var forecast = new LoadForecast(Now, TimeSpan.FromHours(1), [0.5, 0.9, 0.99], series);
        return new PlanningRequest(new ClusterSnapshot(nodes, partitions, 1), forecast, constraints, Now);
    }

    /// <summary>A plan's actions as text, for comparing plans.</summary>
    protected static string Describe(ShardingPlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"feasible={plan.Feasible} moved={plan.MovedBytes}\n");
        foreach (var action in plan.Actions)
        {
            switch (action)
            {
                case MoveAction m:
                    text.Append(CultureInfo.InvariantCulture, $"move {m.Shard} {m.From}->{m.To} {m.Bytes} {m.StartBy:O}\n");
                    break;
                case SplitAction s:
                    text.Append(CultureInfo.InvariantCulture, $"split {s.Partition} at {string.Join(",", s.SplitKeys)} into {string.Join(",", s.NewPartitions)}\n");
                    break;
                case MergeAction g:
                    text.Append(CultureInfo.InvariantCulture, $"merge {g.Left}+{g.Right} as {g.Merged}\n");
                    break;
                default:
                    text.Append(action.GetType().Name).Append('\n');
                    break;
            }
        }

        return text.ToString();
    }
}
