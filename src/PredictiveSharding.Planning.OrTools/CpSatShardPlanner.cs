using System.Diagnostics.Metrics;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using PredictiveSharding.Planning.OrTools.Explain;
using PredictiveSharding.Planning.OrTools.Placement;

namespace PredictiveSharding.Planning.OrTools;

/// <summary>
/// Reference planner: exact placement of the given partitions on the nodes with Google OR-Tools CP-SAT.
/// </summary>
/// <remarks>
/// <para>
/// It does placement only: it never splits or merges, so a partition hotter than a node can carry, or larger than
/// <see cref="PlanningConstraints.MaxPartitionBytes"/>, stays whole and is reported in <see cref="ShardingPlan.Warnings"/>
/// (the genetic planner in PredictiveSharding.Planning splits).
/// </para>
/// <para>
/// Objective, lexicographic in two CP-SAT phases: (1) the peak utilisation at
/// <see cref="PlanningConstraints.PlanningQuantile"/> relative to the thresholds — the maximum over nodes, resources
/// and horizon steps of load / (capacity × <see cref="PlanningConstraints.ThresholdFor"/>) — plus 10 × the sum over
/// nodes of how far each exceeds its capacity at the 0.99 quantile (or the forecast's highest), the same objective as
/// the genetic planner's without its move-cost and locality terms; (2) at that value, the fewest moved bytes. With one
/// threshold for every resource, (1) is the peak utilisation of <see cref="ShardingPlan.After"/> divided by it. As in the
/// genetic planner, the search counts each partition's load only up to the largest node's limit (allowance, or capacity at
/// the 0.99 quantile): a partition hotter than any node would otherwise be the peak of every placement and hide every
/// other breach; "optimal" refers to that capped objective, and the plan's figures use the whole forecast. The move budget (<see cref="PlanningConstraints.MoveBudgetBytes"/>)
/// and cooldowns are hard constraints, so the plan never moves more bytes than the budget. Locality
/// (<see cref="PlanningConstraints.LocalityWeight"/>) and the number of concurrent moves are not modelled.
/// Utilisation is rounded to 1/100,000 of the threshold per partition inside the solver; the plan's figures are exact.
/// Unless <see cref="CpSatPlannerOptions.RebalanceUnderThresholds"/> is set, a cluster already under every threshold
/// and under capacity at the 0.99 quantile gets no actions.
/// </para>
/// <para>
/// Resources are those of the forecast, plus <c>diskBytes</c> (each partition's size) when every node states a
/// disk capacity the forecast does not cover. Exact search is exponential in the worst case: instances up to about
/// 200 partitions × 10 nodes are usually proven optimal within seconds, larger ones return the best placement found
/// within <see cref="CpSatPlannerOptions.TimeLimit"/>. Whether optimality was proven is in
/// <see cref="CpSatPlanResult.ProvenOptimal"/> (<see cref="PlanDetailedAsync"/>) and in the plan's first warning.
/// </para>
/// </remarks>
public sealed class CpSatShardPlanner : IShardPlanner
{
    private readonly CpSatPlannerOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly CpSatPlannerMetrics _metrics;

    /// <summary>Creates the planner.</summary>
    /// <param name="options">Solver settings; null for the defaults.</param>
    /// <param name="timeProvider">Clock for the plan time and the phases' time limits; null for the system clock.</param>
    /// <param name="logger">Logger; null for none.</param>
    /// <param name="meterFactory">
    /// Creates the meter "PredictiveSharding.Planning.OrTools" the planner's instruments are on (a host's container
    /// gives its own); null for a meter shared by every planner made without one.
    /// </param>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public CpSatShardPlanner(CpSatPlannerOptions? options = null, TimeProvider? timeProvider = null, ILogger<CpSatShardPlanner>? logger = null, IMeterFactory? meterFactory = null)
    {
        _options = options ?? new CpSatPlannerOptions();
        _options.Validate();
        _timeProvider = timeProvider ?? TimeProvider.System;
        _logger = logger ?? (ILogger)NullLogger.Instance;
        _metrics = new CpSatPlannerMetrics(meterFactory);
    }

    /// <inheritdoc />
    public async Task<ShardingPlan> PlanAsync(PlanningRequest request, CancellationToken cancellationToken) =>
        (await PlanDetailedAsync(request, cancellationToken).ConfigureAwait(false)).Plan;

    /// <summary>Plans placement and reports whether CP-SAT proved it optimal.</summary>
    /// <exception cref="ArgumentException">The request is inconsistent (forecasts for unknown or missing partitions, a zero or missing capacity, a capacity so small against the load that the model cannot count its utilisation, a forecast resource no node has, an empty cluster, invalid constraints, a forecast whose last step ends at or before the request's Now); the message names the bad value.</exception>
    /// <exception cref="OperationCanceledException">Cancelled; the solver is stopped.</exception>
    public Task<CpSatPlanResult> PlanDetailedAsync(PlanningRequest request, CancellationToken cancellationToken)
    {
        // Validate on the caller's thread so bad input fails fast and synchronously visible in the task.
        var problem = PlacementProblem.Create(request, cancellationToken);
        cancellationToken.ThrowIfCancellationRequested();
        return Task.Run(() => Plan(problem, cancellationToken), cancellationToken);
    }

    private CpSatPlanResult Plan(PlacementProblem problem, CancellationToken cancellationToken)
    {
        var started = _timeProvider.GetTimestamp();
        var before = PlacementEvaluation.Of(problem, problem.Home);
        if (!_options.RebalanceUnderThresholds && before.WithinThresholds && before.Overflow == 0)
        {
            var calm = new ShardingPlan(true, [], before.Summary, before.Summary, 0, _timeProvider.GetElapsedTime(started))
            {
                Warnings = ["No node is predicted to cross a threshold or its capacity within the horizon; nothing to do (set RebalanceUnderThresholds to minimise the peak anyway)."],
            };
            return new CpSatPlanResult(calm, false, false, double.NaN);
        }

        // The search sees loads capped at the largest node's limit (see CappedAtLargestNode); the plan reports the whole forecast.
        var search = problem.CappedAtLargestNode();
        var solver = new CpSatPlacementSolver(_options, _timeProvider, _logger);
        var solution = solver.Solve(search, cancellationToken);
        var after = PlacementEvaluation.Of(problem, solution.Assignment);
        var moves = MoveExplainer.Explain(problem, before, after, solution.Assignment);
        var movedBytes = CpSatPlacementSolver.MovedBytes(problem, solution.Assignment);
        var elapsed = _timeProvider.GetElapsedTime(started);

        // Feasible means some placement keeps every node under its thresholds, whatever this plan's move budget, move cap
        // and cooldowns allow (the ShardingPlan contract, and what the genetic planner reports). Only a proven optimum of
        // an unconstrained search for the peak alone shows that no placement does (with overflow in the objective the
        // optimum may trade a peak over the thresholds for less overflow); otherwise the placement-free lower bound decides.
        var bound = PlacementLowerBound.Of(problem);
        var provenInfeasible = !after.WithinThresholds && solution.PeakProvenOptimal && !solver.OverflowInObjective && PlacementLowerBound.Unconstrained(problem);
        var feasible = after.WithinThresholds || (!provenInfeasible && bound <= 1 + 1e-9);
        var shortfall = feasible ? 0 : provenInfeasible ? Math.Max(0, after.PeakRelativeToThreshold - 1) : Math.Max(0, bound - 1);
        var warnings = Warnings(problem, solution, after, feasible, bound, capped: !ReferenceEquals(search, problem));
        var plan = new ShardingPlan(feasible, moves, before.Summary, after.Summary, movedBytes, elapsed)
        {
            Shortfall = shortfall,
            Warnings = warnings,

            // Every unproven outcome comes from a limit (wall-clock or deterministic time), in either phase.
            StoppedAtTimeLimit = !(solution.PeakProvenOptimal && solution.MovedBytesProvenMinimal),
        };

        if (!solution.FoundSolution)
        {
            CpSatPlannerLog.NoSolution(_logger, (long)_options.TimeLimit.TotalMilliseconds);
        }

        CpSatPlannerLog.Planned(_logger, problem.PartitionCount, problem.NodeCount, (long)elapsed.TotalMilliseconds, before.Summary.MaxUtilization, after.Summary.MaxUtilization, moves.Count, movedBytes, solution.PeakProvenOptimal);
        _metrics.Record(solution.PeakProvenOptimal, elapsed, movedBytes);
        return new CpSatPlanResult(plan, solution.PeakProvenOptimal, solution.MovedBytesProvenMinimal, solution.ObjectiveBound);
    }

    private string[] Warnings(PlacementProblem problem, PlacementSolution solution, PlacementEvaluation after, bool feasible, double bound, bool capped)
    {
        var constraints = problem.Request.Constraints;
        var warnings = new List<string>
        {
            !solution.FoundSolution
                ? string.Create(CultureInfo.InvariantCulture, $"CP-SAT found no placement within {_options.TimeLimit.TotalSeconds:0.###} s; the plan is its starting point (a move-aware descent or greedy placement), not optimised by CP-SAT.")
                : solution.PeakProvenOptimal
                    ? string.Create(CultureInfo.InvariantCulture, $"CP-SAT proved this placement optimal: no placement within the move budget has a lower peak relative to the thresholds (objective {solution.Objective:0.#####}){(solution.MovedBytesProvenMinimal ? " or moves fewer bytes at that peak" : string.Empty)}.")
                    : string.Create(CultureInfo.InvariantCulture, $"CP-SAT stopped at the time limit of {_options.TimeLimit.TotalSeconds:0.###} s without proving optimality: objective {solution.Objective:0.#####}, lower bound {solution.ObjectiveBound:0.#####}."),
        };

        if (problem.PlanningQuantileUsed != constraints.PlanningQuantile)
        {
            warnings.Add(string.Create(CultureInfo.InvariantCulture, $"PlanningQuantile {constraints.PlanningQuantile:0.###} is outside the forecast's quantiles ({problem.Request.Forecast.Quantiles[0]:0.###}–{problem.Request.Forecast.Quantiles[^1]:0.###}); the plan is made at q{problem.PlanningQuantileUsed:0.###}, the nearest the forecast gives."));
        }

        if (capped)
        {
            warnings.Add("The search counted each partition's load only up to the largest node's limit (a partition hotter than any node is over it wherever it goes); the objective above is on those loads, the plan's utilisation on the whole forecast.");
        }

        if (!after.WithinThresholds)
        {
            var worst = after.Summary;
            var where = string.Create(CultureInfo.InvariantCulture, $"the peak is {after.PeakRelativeToThreshold:0.000} × the threshold (maximum utilisation {worst.MaxUtilization:0.000} on node {worst.Node} {worst.Resource} at step {worst.Step})");
            warnings.Add(feasible
                ? string.Create(CultureInfo.InvariantCulture, $"Still predicted over a threshold after the plan: {where}. The move budget, the move cap, cooldowns or the time limit limit this plan; no placement-free bound rules out one under every threshold.")
                : bound > 1 + 1e-9
                    ? string.Create(CultureInfo.InvariantCulture, $"Infeasible: no placement keeps every node under its thresholds (any placement peaks at least {bound:0.000} × the threshold); {where}.")
                    : string.Create(CultureInfo.InvariantCulture, $"Infeasible: CP-SAT proved that no placement keeps every node under its thresholds; {where}."));
        }

        var partitionsAlone = 0;
        for (var p = 0; p < problem.PartitionCount; p++)
        {
            var partition = problem.Partitions[p];
            if (constraints.MaxPartitionBytes is { } limit && partition.SizeBytes > limit)
            {
                warnings.Add(string.Create(CultureInfo.InvariantCulture, $"Partition {partition.Id} holds {partition.SizeBytes} bytes, more than MaxPartitionBytes {limit}; this planner places partitions whole and does not split."));
            }

            if (TooHotForAnyNode(problem, p) is { } hot && partitionsAlone++ < 20)
            {
                warnings.Add(hot);
            }
        }

        if (constraints.LocalityWeight > 0 && problem.Partitions.Any(p => p.RegionMix.Count > 0) && problem.Nodes.Any(n => n.Region.Length > 0))
        {
            warnings.Add("Locality (LocalityWeight, RegionMix) is not modelled by the CP-SAT planner; shards may be placed away from their clients' region.");
        }

        return [.. warnings];
    }

    /// <summary>A warning when a partition alone passes a threshold on every node it may be placed on: only a split can help it.</summary>
    private static string? TooHotForAnyNode(PlacementProblem problem, int p)
    {
        var best = double.PositiveInfinity;
        int bestResource = 0, bestStep = 0;
        for (var n = 0; n < problem.NodeCount; n++)
        {
            if (problem.Pinned[p] && n != problem.Home[p])
            {
                continue;
            }

            var worst = 0.0;
            int worstResource = 0, worstStep = 0;
            for (var r = 0; r < problem.ResourceCount; r++)
            {
                for (var t = 0; t < problem.Steps; t++)
                {
                    var relative = problem.Load[problem.LoadIndex(p, r, t)] / problem.CapacityOf(n, r) / problem.Threshold[r];
                    if (relative > worst)
                    {
                        (worst, worstResource, worstStep) = (relative, r, t);
                    }
                }
            }

            if (worst < best)
            {
                (best, bestResource, bestStep) = (worst, worstResource, worstStep);
            }
        }

        return best > 1
            ? string.Create(CultureInfo.InvariantCulture, $"Partition {problem.Partitions[p].Id} alone is predicted at {best:0.00} × the {problem.Resources[bestResource]} threshold at step {bestStep} even on the node best suited to it; it must be split, which this placement-only planner does not do.")
            : null;
    }
}
