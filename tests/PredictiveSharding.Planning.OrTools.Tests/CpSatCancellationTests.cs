using System.Globalization;
using Google.OrTools.Sat;
using Microsoft.Extensions.Logging.Abstractions;
using PredictiveSharding.Forecasting;
using PredictiveSharding.Keys;
using PredictiveSharding.Planning.OrTools.Placement;
using PredictiveSharding.TestKit;
using PredictiveSharding.Topology;

namespace PredictiveSharding.Planning.OrTools.Tests;

[TestFixture]
public sealed class CpSatCancellationTests
{
    private static readonly DateTimeOffset Origin = new(2026, 3, 2, 8, 0, 0, TimeSpan.Zero);

    [Test]
    public void Solve_CancelledJustBeforeCpSatStartsItsSearch_StopsThatSearch()
    {
        // The cancellation lands after the phase's own check, before OR-Tools has a search StopSearch can reach: the
        // search used to run on (here to proven optimality, elsewhere to its time limit) and only then was the token seen.
        var problem = PlacementProblem.Create(Request());
        using var cancel = new CancellationTokenSource();
        var solver = new CpSatPlacementSolver(new CpSatPlannerOptions { TimeLimit = TimeSpan.FromMinutes(5), RebalanceUnderThresholds = true }, TimeProvider.System, NullLogger.Instance)
        {
            BeforeSolve = cancel.Cancel,
        };

        Assert.Throws(Is.InstanceOf<OperationCanceledException>(), () => solver.Solve(problem, cancel.Token));
        Assert.That(solver.LastStatus, Is.Not.EqualTo(CpSolverStatus.Optimal), "the search was stopped before it could prove a placement optimal");
    }

    [Test]
    public void Solve_NotCancelled_ProvesTheSameInstanceOptimal()
    {
        // The instance above is one CP-SAT proves optimal when left alone, so a stopped search is what made it fall short.
        var problem = PlacementProblem.Create(Request());
        var solver = new CpSatPlacementSolver(new CpSatPlannerOptions { TimeLimit = TimeSpan.FromMinutes(5), RebalanceUnderThresholds = true }, TimeProvider.System, NullLogger.Instance);

        var solution = solver.Solve(problem, CancellationToken.None);

        Assert.That(solution.PeakProvenOptimal, Is.True);
    }

    [Test]
    public void Solve_WhenTheLimitPassesWhileTheModelIsBuilt_StopsBuildingAndReturnsTheStartingPoint()
    {
        // Each read of the clock is a second and the limit three: the third node's rows are never built. Before, the
        // whole model was built whatever the clock said (4 s of a 1 s limit at 5,000 partitions × 50 nodes).
        var problem = PlacementProblem.Create(Request());
        var solver = new CpSatPlacementSolver(new CpSatPlannerOptions { TimeLimit = TimeSpan.FromSeconds(3), RebalanceUnderThresholds = true }, new SteppingTimeProvider(TimeSpan.FromSeconds(1)), NullLogger.Instance);

        var solution = solver.Solve(problem, CancellationToken.None);

        Assert.That(solver.NodesModelled, Is.LessThan(problem.NodeCount));
        Assert.That(solution.FoundSolution, Is.False);
        Assert.That(solver.LastStatus, Is.Null, "no search ran");
    }

    [Test]
    public void GreedyStartingPoint_WhenCancelled_Throws()
    {
        // The hint's greedy placement is a pass over the nodes per partition, as long as building the model's rows (which
        // asks the token between nodes); it never asked, so a cancellation during it waited for the whole placement.
        var problem = PlacementProblem.Create(Request());
        using var cancel = new CancellationTokenSource();
        cancel.Cancel();

        Assert.Throws(Is.InstanceOf<OperationCanceledException>(), () => GreedyPlacement.Place(problem, cancel.Token));
        Assert.That(GreedyPlacement.Place(problem, CancellationToken.None), Has.Length.EqualTo(problem.PartitionCount));
    }

    [Test]
    public void PlanDetailedAsync_CancelledWhileTheRequestIsLaidOut_StopsLayingItOut()
    {
        // The request's layout (every partition's quantiles at every step, on the caller's thread) never asked the token:
        // a cancellation during it waited for the whole layout (partitions × resources × steps lookups) before it was seen.
        using var cancel = new CancellationTokenSource();
        var lookups = new CancellingLookups(cancel);
        var request = Request() with { LastChanged = lookups };
        var planner = new CpSatShardPlanner(new CpSatPlannerOptions { RebalanceUnderThresholds = true });

        Assert.That(() => planner.PlanDetailedAsync(request, cancel.Token), Throws.InstanceOf<OperationCanceledException>());
        Assert.That(lookups.Count, Is.LessThan(request.Cluster.Partitions.Count), "partitions laid out after the cancellation");
    }

    /// <summary>No partition changed; the first lookup (the layout's first partition) cancels the token.</summary>
    private sealed class CancellingLookups(CancellationTokenSource cancel) : IReadOnlyDictionary<PartitionId, DateTimeOffset>
    {
        public int Count { get; private set; }

        public IEnumerable<PartitionId> Keys => [];

        public IEnumerable<DateTimeOffset> Values => [];

        public DateTimeOffset this[PartitionId key] => throw new KeyNotFoundException();

        public bool ContainsKey(PartitionId key) => TryGetValue(key, out _);

        public bool TryGetValue(PartitionId key, out DateTimeOffset value)
        {
            Count++;
            cancel.Cancel();
            value = default;
            return false;
        }

        public IEnumerator<KeyValuePair<PartitionId, DateTimeOffset>> GetEnumerator() => Enumerable.Empty<KeyValuePair<PartitionId, DateTimeOffset>>().GetEnumerator();

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }

    /// <summary>Twelve partitions of uneven load, all on the first of three nodes.</summary>
    private static PlanningRequest Request()
    {
        double[] loads = [310, 95, 180, 240, 55, 130, 75, 205, 160, 45, 120, 270];
        var nodes = Enumerable.Range(0, 3).Select(n => new NodeInfo(new NodeId("n" + n.ToString(CultureInfo.InvariantCulture)), new Dictionary<ResourceKind, double> { [ResourceKind.Requests] = 1000 })).ToArray();
        var partitions = new List<PartitionInfo>();
        var forecasts = new Dictionary<PartitionId, IReadOnlyDictionary<ResourceKind, QuantileSeries>>();
        for (var p = 0; p < loads.Length; p++)
        {
            var id = new PartitionId("p" + p.ToString("00", CultureInfo.InvariantCulture));
            var range = KeyRange.FromStrings(p == 0 ? string.Empty : "k" + p.ToString("000", CultureInfo.InvariantCulture), p == loads.Length - 1 ? null : "k" + (p + 1).ToString("000", CultureInfo.InvariantCulture));
            partitions.Add(new PartitionInfo(id, range, nodes[0].Id, 1_000_000 + (p * 7919), 1000));
            forecasts[id] = new Dictionary<ResourceKind, QuantileSeries> { [ResourceKind.Requests] = new QuantileSeries(1, 3, [0.8 * loads[p], loads[p], 1.1 * loads[p]]) };
        }

        var forecast = new LoadForecast(Origin, TimeSpan.FromHours(1), [0.5, 0.9, 0.99], forecasts);
        var constraints = new PlanningConstraints { MaxPartitionBytes = null, LocalityWeight = 0, MoveBudgetBytes = long.MaxValue };
        return new PlanningRequest(new ClusterSnapshot(nodes, partitions, 1), forecast, constraints, Origin);
    }
}
