using System.Globalization;
using Google.OrTools.Sat;
using Microsoft.Extensions.Logging;

namespace PredictiveSharding.Planning.OrTools.Placement;

/// <summary>
/// Exact placement with CP-SAT in two phases: first the lowest objective — the peak utilisation relative to the
/// thresholds plus a penalty for overflow at the 0.99 quantile — within the move budget, then the fewest moved bytes
/// at that objective.
/// </summary>
internal sealed class CpSatPlacementSolver
{
    /// <summary>
    /// CP-SAT works on integers, so utilisation is counted in units of 1/100,000 of the threshold: fine enough that
    /// rounding (at most half a unit per partition on a node) stays far below the 2% the planners are compared at,
    /// coarse enough to keep the coefficients and the search small.
    /// </summary>
    public const long UtilizationScale = 100_000;

    /// <summary>
    /// Each node's overflow at the 0.99 quantile (the share of capacity it lacks) costs ten times as much as the same
    /// share of peak: running out of capacity is worse than any gain in balance, but it stays a penalty (not a
    /// constraint) so an overloaded cluster still gets its best placement. The same weight and sum over nodes as the
    /// genetic planner's default (GeneticPlannerOptions.OverflowWeight), so the two optimise the same thing.
    /// </summary>
    public const long OverflowWeight = 10;

    /// <summary>The share of the limits the first phase may use; the second (moved bytes) gets the rest.</summary>
    private const double FirstPhaseShare = 0.8;

    private readonly CpSatPlannerOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;

    public CpSatPlacementSolver(CpSatPlannerOptions options, TimeProvider timeProvider, ILogger logger)
    {
        _options = options;
        _timeProvider = timeProvider;
        _logger = logger;
    }

    /// <summary>Test seam: runs after a phase's cancellation check, just before CP-SAT starts its search.</summary>
    internal Action? BeforeSolve { get; set; }

    /// <summary>
    /// Whether the last solve's objective charged overflow at the overflow quantile besides the peak: then an optimum may
    /// take a peak over the thresholds to avoid overflow, and proves nothing about whether some placement stays under them.
    /// </summary>
    public bool OverflowInObjective { get; private set; }

    /// <summary>Test seam: how many nodes' rows the last solve built before it ran the search or ran out of time.</summary>
    internal int NodesModelled { get; private set; }

    /// <summary>Test seam: how the last phase's search ended.</summary>
    internal CpSolverStatus? LastStatus { get; private set; }

    public PlacementSolution Solve(PlacementProblem problem, CancellationToken cancellationToken)
    {
        var started = _timeProvider.GetTimestamp();
        var model = new CpModel();
        var x = CreateAssignmentVariables(model, problem);

        // Building the rows of a large instance (thousands of partitions × tens of nodes) can take longer than the limit
        // by itself, so the clock is checked between nodes: past it, the plan is the starting point, as when the search
        // finds nothing in time.
        var objective = AddLoadConstraints(model, problem, x, () => _timeProvider.GetElapsedTime(started) >= _options.TimeLimit, cancellationToken);
        if (objective is null)
        {
            return new PlacementSolution(StartingPoint(problem, cancellationToken), false, false, false, double.NaN, double.NaN);
        }

        AddMoveBudget(model, problem, x);
        AddMoveCount(model, problem, x);
        model.Minimize(objective);
        var start = StartingPoint(problem, cancellationToken);
        HintAssignment(model, problem, x, start);

        // The limit is for the whole solve: what building the model and the starting point took comes off the first phase.
        var firstWall = Min(_options.TimeLimit * FirstPhaseShare, _options.TimeLimit - _timeProvider.GetElapsedTime(started));
        if (firstWall <= TimeSpan.Zero)
        {
            return new PlacementSolution(start, false, false, false, double.NaN, double.NaN);
        }

        var first = Run(model, problem, x, firstWall, _options.DeterministicTimeLimit * FirstPhaseShare, 1, cancellationToken);
        if (first.Assignment is not { } assignment)
        {
            // The starting point respects the budget and the cooldowns, so it is a placement CP-SAT would have accepted.
            return new PlacementSolution(start, false, false, false, first.Bound / UtilizationScale, double.NaN);
        }

        var peakOptimal = first.Status == CpSolverStatus.Optimal;
        var objectiveValue = first.Objective / UtilizationScale;
        var bound = first.Bound / UtilizationScale;
        if (MovedBytes(problem, assignment) == 0)
        {
            return new PlacementSolution(assignment, true, peakOptimal, true, bound, objectiveValue);
        }

        // Second phase: hold the objective at what phase one reached and move as few bytes as possible, for as long as
        // phase one took but at least a fifth of the limits and never past them.
        var wallLeft = _options.TimeLimit - _timeProvider.GetElapsedTime(started);
        var wall = Min(wallLeft, Max(_timeProvider.GetElapsedTime(started), _options.TimeLimit * (1 - FirstPhaseShare)));
        var deterministic = _options.DeterministicTimeLimit is { } d
            ? Math.Min(d - first.DeterministicTime, Math.Max(first.DeterministicTime, d * (1 - FirstPhaseShare)))
            : (double?)null;
        if (wall <= TimeSpan.Zero || deterministic <= 0)
        {
            return new PlacementSolution(assignment, true, peakOptimal, false, bound, objectiveValue);
        }

        model.Add(objective <= (long)Math.Round(first.Objective));
        model.Minimize(MovedBytesExpression(problem, x));
        model.ClearHints();
        HintAssignment(model, problem, x, assignment);
        var second = Run(model, problem, x, wall, deterministic, 2, cancellationToken);
        return new PlacementSolution(second.Assignment ?? assignment, true, peakOptimal, second.Status == CpSolverStatus.Optimal, bound, objectiveValue);
    }

    public static long MovedBytes(PlacementProblem problem, ReadOnlySpan<int> assignment)
    {
        var moved = 0L;
        for (var p = 0; p < problem.PartitionCount; p++)
        {
            if (assignment[p] != problem.Home[p])
            {
                moved += problem.Partitions[p].SizeBytes;
            }
        }

        return moved;
    }

    /// <summary>
    /// The hint: the move-aware descent from the current placement (few moves), unless the greedy placement has a
    /// clearly lower peak within the budget — CP-SAT finds its first good solutions near the hint.
    /// </summary>
    private static int[] StartingPoint(PlacementProblem problem, CancellationToken cancellationToken)
    {
        var descent = MoveAwareDescent.Place(problem, cancellationToken);
        var greedy = GreedyPlacement.Place(problem, cancellationToken);
        if (MovedBytes(problem, greedy) > problem.Request.Constraints.MoveBudgetBytes || MovedCount(problem, greedy) > problem.MaxMoves)
        {
            return descent;
        }

        var descentPeak = PlacementEvaluation.Of(problem, descent).PeakRelativeToThreshold;
        var greedyPeak = PlacementEvaluation.Of(problem, greedy).PeakRelativeToThreshold;
        return greedyPeak < descentPeak * 0.99 ? greedy : descent;
    }

    private PhaseResult Run(CpModel model, PlacementProblem problem, BoolVar?[][] x, TimeSpan limit, double? deterministicLimit, int phase, CancellationToken cancellationToken)
    {
        var started = _timeProvider.GetTimestamp();
        var parameters = string.Create(
            CultureInfo.InvariantCulture,
            $"max_time_in_seconds:{limit.TotalSeconds:R} num_workers:{_options.Workers} random_seed:{_options.Seed}");
        if (_options.Workers > 1)
        {
            parameters += " interleave_search:true";
        }

        if (deterministicLimit is { } d)
        {
            parameters += string.Create(CultureInfo.InvariantCulture, $" max_deterministic_time:{d:R}");
        }

        // Cancellation: CpSolver.StopSearch reaches only a search whose native wrapper exists, and Solve creates that
        // wrapper when it starts, so a token cancelled between the check below and that moment would be lost (the phase
        // then ran to its time limit). The log callback closes that gap: CP-SAT logs from the start of every solve (and
        // through presolve and search), each line on a live wrapper, so a token already cancelled stops the search at
        // its first line. Logging only feeds the callback (not stdout) and does not change the search.
        var solver = new CpSolver { StringParameters = parameters + " log_search_progress:true log_to_stdout:false" };
        solver.SetLogCallback(_ =>
        {
            if (cancellationToken.IsCancellationRequested)
            {
                solver.StopSearch();
            }
        });
        CpSolverStatus status;
        using (cancellationToken.Register(solver.StopSearch))
        {
            // A token cancelled earlier (while the model and the starting point were built, or between the phases) is
            // checked here.
            cancellationToken.ThrowIfCancellationRequested();
            BeforeSolve?.Invoke();
            status = solver.Solve(model);
        }

        LastStatus = status;
        cancellationToken.ThrowIfCancellationRequested();
        var objective = solver.ObjectiveValue;
        var bound = solver.BestObjectiveBound;
        var deterministicTime = solver.Response?.DeterministicTime ?? 0;
        if (_logger.IsEnabled(LogLevel.Debug))
        {
            var millis = (long)_timeProvider.GetElapsedTime(started).TotalMilliseconds;
            var statusName = status.ToString();
            CpSatPlannerLog.PhaseEnded(_logger, phase, statusName, millis, deterministicTime, objective, bound);
        }

        if (status == CpSolverStatus.ModelInvalid)
        {
            throw new InvalidOperationException("CP-SAT rejected the placement model: " + model.Validate());
        }

        if (status is not (CpSolverStatus.Optimal or CpSolverStatus.Feasible))
        {
            return new PhaseResult(status, null, double.NaN, status == CpSolverStatus.Unknown ? bound : double.NaN, deterministicTime);
        }

        var assignment = new int[problem.PartitionCount];
        for (var p = 0; p < problem.PartitionCount; p++)
        {
            for (var n = 0; n < problem.NodeCount; n++)
            {
                if (x[p][n] is { } v && solver.BooleanValue(v))
                {
                    assignment[p] = n;
                    break;
                }
            }
        }

        return new PhaseResult(status, assignment, objective, bound, deterministicTime);
    }

    private static BoolVar?[][] CreateAssignmentVariables(CpModel model, PlacementProblem problem)
    {
        var x = new BoolVar?[problem.PartitionCount][];
        for (var p = 0; p < problem.PartitionCount; p++)
        {
            x[p] = new BoolVar?[problem.NodeCount];
            var row = new List<ILiteral>(problem.NodeCount);
            for (var n = 0; n < problem.NodeCount; n++)
            {
                // A partition in its cooldown may only stay where it is.
                if (!problem.Pinned[p] || n == problem.Home[p])
                {
                    var v = model.NewBoolVar(string.Create(CultureInfo.InvariantCulture, $"x_{p}_{n}"));
                    x[p][n] = v;
                    row.Add(v);
                }
            }

            model.AddExactlyOne(row);
        }

        return x;
    }

    /// <summary>Adds the peak and overflow rows and returns the objective: peak + OverflowWeight × Σ per-node overflow.</summary>
    private LinearExprBuilder? AddLoadConstraints(CpModel model, PlacementProblem problem, BoolVar?[][] x, Func<bool> outOfTime, CancellationToken cancellationToken)
    {
        var rows = new List<(LinearExprBuilder Expr, long Max)>();
        var overflowRows = new List<(int Node, LinearExprBuilder Expr, long Max)>();
        var unit = 0L;

        // CP-SAT counts in longs and refuses a model whose sums may overflow: every row, and the objective that adds
        // OverflowWeight × each node's overflow, must fit. A node with a tiny capacity (one being drained) breaks that.
        var rowLimit = long.MaxValue / (2 * (1 + (OverflowWeight * problem.NodeCount)));
        NodesModelled = 0;
        OverflowInObjective = false;
        for (var n = 0; n < problem.NodeCount; n++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (outOfTime())
            {
                return null;
            }

            NodesModelled = n + 1;
            for (var r = 0; r < problem.ResourceCount; r++)
            {
                var capacity = problem.CapacityOf(n, r);
                var limit = capacity * problem.Threshold[r];
                for (var t = 0; t < problem.Steps; t++)
                {
                    var expr = LinearExpr.NewBuilder(problem.PartitionCount);
                    var overflowExpr = LinearExpr.NewBuilder(problem.PartitionCount);
                    long max = 0, overflowMax = 0;
                    double total = 0, overflowTotal = 0;
                    for (var p = 0; p < problem.PartitionCount; p++)
                    {
                        if (x[p][n] is not { } v)
                        {
                            continue;
                        }

                        var i = problem.LoadIndex(p, r, t);
                        total += problem.Load[i] / limit * UtilizationScale;
                        overflowTotal += problem.OverflowLoad[i] / capacity * UtilizationScale;
                        if (Math.Max(total, overflowTotal) > rowLimit)
                        {
                            throw new ArgumentException(
                                string.Create(CultureInfo.InvariantCulture, $"Node '{problem.Nodes[n].Id}' has capacity {capacity:G} for '{problem.Resources[r]}', so small against the partitions' load that holding them could put it at more than {rowLimit / UtilizationScale:G3} × its threshold, past what the CP-SAT model can count; give it a larger capacity or leave it out of the snapshot."));
                        }

                        var coefficient = Scale(problem.Load[i] / limit);
                        if (coefficient > 0)
                        {
                            expr.AddTerm(v, coefficient);
                            max += coefficient;
                            unit = Gcd(unit, coefficient);
                        }

                        var overflowCoefficient = Scale(problem.OverflowLoad[i] / capacity);
                        if (overflowCoefficient > 0)
                        {
                            overflowExpr.AddTerm(v, overflowCoefficient);
                            overflowMax += overflowCoefficient;
                        }
                    }

                    rows.Add((expr, max));

                    // A node that could not overflow even holding every partition it may hold needs no overflow row.
                    if (overflowMax > UtilizationScale)
                    {
                        overflowRows.Add((n, overflowExpr, overflowMax));
                    }
                }
            }
        }

        OverflowInObjective = overflowRows.Count > 0;

        // Every row's value is a multiple of the coefficients' gcd, so the optimal peak is too: counting the peak in
        // units of the gcd and starting it at a valid lower bound lets CP-SAT prove optimality as soon as it meets the bound.
        unit = Math.Max(unit, 1);
        var lowest = CeilDiv(PeakLowerBound(problem), unit);
        var peakUnits = model.NewIntVar(lowest, Math.Max(lowest, CeilDiv(rows.Max(row => row.Max), unit)), "peak");
        var peak = LinearExpr.Term(peakUnits, unit);
        foreach (var (expr, _) in rows)
        {
            model.Add(expr <= peak);
        }

        var objective = LinearExpr.NewBuilder(1 + problem.NodeCount);
        objective.Add(peak);
        // A node's overflow is the largest of its rows (resources and steps), so its bound is the largest row's: bounded
        // by the first row only, it made placements that overflow more at a later step or on another resource infeasible.
        var overflowBound = new long[problem.NodeCount];
        foreach (var (n, _, max) in overflowRows)
        {
            overflowBound[n] = Math.Max(overflowBound[n], max - UtilizationScale);
        }

        var overflow = new IntVar?[problem.NodeCount];
        foreach (var (n, expr, _) in overflowRows)
        {
            if (overflow[n] is not { } o)
            {
                o = model.NewIntVar(0, overflowBound[n], string.Create(CultureInfo.InvariantCulture, $"overflow_{n}"));
                overflow[n] = o;
                objective.AddTerm(o, OverflowWeight);
            }

            model.Add(expr - UtilizationScale <= o);
        }

        return objective;
    }

    /// <summary>
    /// A lower bound on the scaled peak that holds for every placement: each partition must sit on some node it may use,
    /// and where all nodes have the same capacity for a resource, some node carries at least the average of the step.
    /// </summary>
    private static long PeakLowerBound(PlacementProblem problem)
    {
        var bound = 0L;
        for (var r = 0; r < problem.ResourceCount; r++)
        {
            var equalNodes = true;
            for (var n = 1; n < problem.NodeCount && equalNodes; n++)
            {
                equalNodes = problem.CapacityOf(n, r) == problem.CapacityOf(0, r);
            }

            for (var t = 0; t < problem.Steps; t++)
            {
                var total = 0L;
                for (var p = 0; p < problem.PartitionCount; p++)
                {
                    var lightest = long.MaxValue;
                    for (var n = 0; n < problem.NodeCount; n++)
                    {
                        if (!problem.Pinned[p] || n == problem.Home[p])
                        {
                            lightest = Math.Min(lightest, Scale(problem.Load[problem.LoadIndex(p, r, t)] / (problem.CapacityOf(n, r) * problem.Threshold[r])));
                        }
                    }

                    bound = Math.Max(bound, lightest);
                    total += lightest;
                }

                if (equalNodes)
                {
                    bound = Math.Max(bound, CeilDiv(total, problem.NodeCount));
                }
            }
        }

        return bound;
    }

    private static void AddMoveBudget(CpModel model, PlacementProblem problem, BoolVar?[][] x)
    {
        var movable = 0L;
        for (var p = 0; p < problem.PartitionCount; p++)
        {
            if (!problem.Pinned[p])
            {
                movable += problem.Partitions[p].SizeBytes;
            }
        }

        var budget = problem.Request.Constraints.MoveBudgetBytes;
        if (movable <= budget)
        {
            return;
        }

        // Bytes that stay home must be at least what the budget does not let move.
        var stay = LinearExpr.NewBuilder(problem.PartitionCount);
        for (var p = 0; p < problem.PartitionCount; p++)
        {
            if (!problem.Pinned[p] && problem.Partitions[p].SizeBytes > 0)
            {
                stay.AddTerm(x[p][problem.Home[p]]!, problem.Partitions[p].SizeBytes);
            }
        }

        model.Add(stay >= movable - budget);
    }

    /// <summary>
    /// <see cref="PlanningConstraints.MaxMovesPerPlan"/>: at most that many movable partitions leave home, i.e. at least
    /// (movable − cap) of them stay.
    /// </summary>
    private static void AddMoveCount(CpModel model, PlacementProblem problem, BoolVar?[][] x)
    {
        var cap = problem.MaxMoves;
        var stay = LinearExpr.NewBuilder(problem.PartitionCount);
        var movable = 0;
        for (var p = 0; p < problem.PartitionCount; p++)
        {
            if (!problem.Pinned[p])
            {
                movable++;
                stay.AddTerm(x[p][problem.Home[p]]!, 1);
            }
        }

        if (movable > cap)
        {
            model.Add(stay >= movable - cap);
        }
    }

    /// <summary>How many partitions an assignment moves away from home.</summary>
    internal static int MovedCount(PlacementProblem problem, int[] assignment)
    {
        var moved = 0;
        for (var p = 0; p < problem.PartitionCount; p++)
        {
            if (assignment[p] != problem.Home[p])
            {
                moved++;
            }
        }

        return moved;
    }

    private static LinearExprBuilder MovedBytesExpression(PlacementProblem problem, BoolVar?[][] x)
    {
        var moved = LinearExpr.NewBuilder(problem.PartitionCount + 1);
        var total = 0L;
        for (var p = 0; p < problem.PartitionCount; p++)
        {
            var size = problem.Partitions[p].SizeBytes;
            if (!problem.Pinned[p] && size > 0)
            {
                total += size;
                moved.AddTerm(x[p][problem.Home[p]]!, -size);
            }
        }

        moved.Add(total);
        return moved;
    }

    private static void HintAssignment(CpModel model, PlacementProblem problem, BoolVar?[][] x, int[] assignment)
    {
        for (var p = 0; p < problem.PartitionCount; p++)
        {
            for (var n = 0; n < problem.NodeCount; n++)
            {
                if (x[p][n] is { } v)
                {
                    model.AddHint(v, assignment[p] == n);
                }
            }
        }
    }

    private static long Scale(double utilization) => (long)Math.Round(utilization * UtilizationScale, MidpointRounding.AwayFromZero);

    private static long CeilDiv(long value, long divisor) => (value + divisor - 1) / divisor;

    private static long Gcd(long a, long b)
    {
        while (b != 0)
        {
            (a, b) = (b, a % b);
        }

        return a;
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    private sealed record PhaseResult(CpSolverStatus Status, int[]? Assignment, double Objective, double Bound, double DeterministicTime);
}
