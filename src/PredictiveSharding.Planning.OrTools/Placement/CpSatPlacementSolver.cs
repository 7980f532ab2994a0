using System.Globalization;
using Google.OrTools.Sat;

namespace PredictiveSharding.Planning.OrTools.Placement;

/// <summary>
/// Exact placement with CP-SAT in two phases: first the lowest peak utilisation (plus a penalty for overflow at the
/// 0.99 quantile) within the move budget, then the fewest moved bytes at that peak.
/// </summary>
internal sealed class CpSatPlacementSolver
{
    /// <summary>
    /// CP-SAT works on integers, so utilisation is counted in units of 1/100,000 of capacity: fine enough that rounding
    /// (at most half a unit per partition on a node) stays far below the 2% the planners are compared at, coarse
    /// enough to keep the coefficients and the search small.
    /// </summary>
    public const long UtilizationScale = 100_000;

    /// <summary>
    /// Overflow at the 0.99 quantile costs ten times as much as the same share of peak utilisation: a node
    /// predicted to run out of capacity is worse than any gain in balance, but it stays a penalty (not a constraint)
    /// so an overloaded cluster still gets its best placement.
    /// </summary>
    public const long OverflowWeight = 10;

    /// <summary>The share of the time limit the first phase may use; the second (moved bytes) gets the rest.</summary>
    private const double FirstPhaseShare = 0.8;

    private readonly CpSatPlannerOptions _options;
    private readonly TimeProvider _timeProvider;

    public CpSatPlacementSolver(CpSatPlannerOptions options, TimeProvider timeProvider)
    {
        _options = options;
        _timeProvider = timeProvider;
    }

    public PlacementSolution Solve(PlacementProblem problem, CancellationToken cancellationToken)
    {
        var started = _timeProvider.GetTimestamp();
        var model = new CpModel();
        var x = CreateAssignmentVariables(model, problem);
        var (peak, overflow) = AddLoadConstraints(model, problem, x);
        AddMoveBudget(model, problem, x);

        var objective = LinearExpr.NewBuilder();
        objective.Add(peak);
        if (overflow is not null)
        {
            objective.AddTerm(overflow, OverflowWeight);
        }

        model.Minimize(objective);
        HintAssignment(model, problem, x, problem.Home);

        var firstLimit = _options.TimeLimit * FirstPhaseShare;
        var (status, assignment, objectiveValue, bound) = Run(model, problem, x, firstLimit, cancellationToken);
        if (assignment is null)
        {
            return new PlacementSolution((int[])problem.Home.Clone(), false, false, false, bound / UtilizationScale, double.NaN);
        }

        var peakOptimal = status == CpSolverStatus.Optimal;
        if (MovedBytes(problem, assignment) == 0)
        {
            return new PlacementSolution(assignment, true, peakOptimal, true, bound / UtilizationScale, objectiveValue / UtilizationScale);
        }

        // Second phase: hold the objective at what phase one reached and move as few bytes as possible.
        var secondLimit = _options.TimeLimit - _timeProvider.GetElapsedTime(started);
        if (secondLimit <= TimeSpan.Zero)
        {
            return new PlacementSolution(assignment, true, peakOptimal, false, bound / UtilizationScale, objectiveValue / UtilizationScale);
        }

        model.Add(objective <= (long)Math.Round(objectiveValue));
        model.Minimize(MovedBytesExpression(problem, x));
        model.ClearHints();
        HintAssignment(model, problem, x, assignment);
        var (movedStatus, lessMoving, _, _) = Run(model, problem, x, secondLimit, cancellationToken);
        return new PlacementSolution(
            lessMoving ?? assignment,
            true,
            peakOptimal,
            movedStatus == CpSolverStatus.Optimal,
            bound / UtilizationScale,
            objectiveValue / UtilizationScale);
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

    private (CpSolverStatus Status, int[]? Assignment, double Objective, double Bound) Run(
        CpModel model, PlacementProblem problem, BoolVar?[][] x, TimeSpan limit, CancellationToken cancellationToken)
    {
        var solver = new CpSolver
        {
            StringParameters = string.Create(
                CultureInfo.InvariantCulture,
                $"max_time_in_seconds:{limit.TotalSeconds:R} num_workers:{_options.Workers} random_seed:{_options.Seed}{(_options.Workers > 1 ? " interleave_search:true" : string.Empty)}"),
        };

        CpSolverStatus status;
        using (cancellationToken.Register(solver.StopSearch))
        {
            status = solver.Solve(model);
        }

        cancellationToken.ThrowIfCancellationRequested();
        if (status == CpSolverStatus.ModelInvalid)
        {
            throw new InvalidOperationException("CP-SAT rejected the placement model: " + model.Validate());
        }

        if (status is not (CpSolverStatus.Optimal or CpSolverStatus.Feasible))
        {
            return (status, null, double.NaN, status == CpSolverStatus.Unknown ? solver.BestObjectiveBound : double.NaN);
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

        return (status, assignment, solver.ObjectiveValue, solver.BestObjectiveBound);
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

    private static (IntVar Peak, IntVar? Overflow) AddLoadConstraints(CpModel model, PlacementProblem problem, BoolVar?[][] x)
    {
        var rows = new List<(LinearExprBuilder Expr, long Max)>();
        var overflowRows = new List<(LinearExprBuilder Expr, long Max)>();
        for (var n = 0; n < problem.NodeCount; n++)
        {
            for (var r = 0; r < problem.ResourceCount; r++)
            {
                var capacity = problem.CapacityOf(n, r);
                for (var t = 0; t < problem.Steps; t++)
                {
                    var expr = LinearExpr.NewBuilder(problem.PartitionCount);
                    var overflowExpr = LinearExpr.NewBuilder(problem.PartitionCount);
                    long max = 0, overflowMax = 0;
                    for (var p = 0; p < problem.PartitionCount; p++)
                    {
                        if (x[p][n] is not { } v)
                        {
                            continue;
                        }

                        var i = problem.LoadIndex(p, r, t);
                        var coefficient = Scale(problem.Load[i] / capacity);
                        if (coefficient > 0)
                        {
                            expr.AddTerm(v, coefficient);
                            max += coefficient;
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
                        overflowRows.Add((overflowExpr, overflowMax));
                    }
                }
            }
        }

        var peak = model.NewIntVar(0, Math.Max(1, rows.Max(row => row.Max)), "peak");
        foreach (var (expr, _) in rows)
        {
            model.Add(expr <= peak);
        }

        if (overflowRows.Count == 0)
        {
            return (peak, null);
        }

        var overflow = model.NewIntVar(0, overflowRows.Max(row => row.Max) - UtilizationScale, "overflow");
        foreach (var (expr, _) in overflowRows)
        {
            model.Add(expr - UtilizationScale <= overflow);
        }

        return (peak, overflow);
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
}
