using System.Diagnostics.Metrics;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using PredictiveSharding.Planning.Explain;
using PredictiveSharding.Planning.Genetic;
using PredictiveSharding.Planning.Placement;
using PredictiveSharding.Planning.Rules;

namespace PredictiveSharding.Planning;

/// <summary>
/// Plans splits and placement ahead of forecast load: rules first (which partitions to split or merge, into how many
/// shards, at which sampled keys), then a genetic algorithm with local search that assigns every shard to a node,
/// minimising the predicted peak utilisation (as a share of each resource's threshold) over nodes, resources and
/// horizon steps, with penalties for moved bytes, capacity overflow at the 0.99 quantile and serving shards away from
/// their clients' region. The move budget is never exceeded. A cluster predicted to stay under its thresholds (and
/// its nodes' capacity at the overflow quantile) gets no moves (unless <see cref="GeneticPlannerOptions.RebalanceUnderThresholds"/>);
/// the rules still split partitions above <see cref="PlanningConstraints.MaxPartitionBytes"/> and, when
/// <see cref="PlanningConstraints.AllowMerges"/>, merge cold neighbours.
/// </summary>
/// <remarks>
/// Thread-safe: one planner may serve concurrent <see cref="PlanAsync"/> calls. The same request, options and seed give
/// the same plan, whatever the thread count, as long as the search ends by generations or stagnation rather than by
/// <see cref="GeneticPlannerOptions.TimeBudget"/> (the plan then carries a warning saying so).
/// </remarks>
public sealed class GeneticShardPlanner : IShardPlanner
{
    private readonly GeneticPlannerOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly PlanningMetrics _metrics;

    // Concurrent plans share the host's IPartitionIdSource, which is promised one call at a time per planner.
    private readonly Lock _partitionIdGate = new();

    /// <summary>Creates a planner.</summary>
    /// <param name="options">The planner's settings; defaults when null. Copied, so later changes have no effect.</param>
    /// <param name="timeProvider">The clock for the time budget and plan time; <see cref="TimeProvider.System"/> when null.</param>
    /// <param name="logger">Where to log; nowhere when null.</param>
    /// <param name="meterFactory">Creates the "PredictiveSharding.Planning" meter; a shared meter when null.</param>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range (the message names it).</exception>
    public GeneticShardPlanner(GeneticPlannerOptions? options = null, TimeProvider? timeProvider = null, ILogger<GeneticShardPlanner>? logger = null, IMeterFactory? meterFactory = null)
    {
        _options = (options ?? new GeneticPlannerOptions()).Clone();
        _options.Validate();
        _time = timeProvider ?? TimeProvider.System;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _metrics = new PlanningMetrics(meterFactory);
    }

    /// <inheritdoc />
    public Task<ShardingPlan> PlanAsync(PlanningRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled<ShardingPlan>(cancellationToken);
        }

        return Task.Run(() => Plan(request, cancellationToken), cancellationToken);
    }

    /// <summary>Plans synchronously on the calling thread (the GA still uses its degree of parallelism).</summary>
    internal ShardingPlan Plan(PlanningRequest request, CancellationToken cancellationToken)
    {
        var started = _time.GetTimestamp();
        var model = LoadModel.Build(request);
        PlanningLog.PlanStarted(_logger, model.Partitions.Length, model.Nodes.Length, model.Resources.Length, model.Steps, model.PlanningQuantile);

        var nodeLoad = BreachFinder.CurrentNodeLoads(model, overflowQuantile: false);
        var nodeLoad99 = BreachFinder.CurrentNodeLoads(model, overflowQuantile: true);
        var before = BreachFinder.Summarize(model, nodeLoad);
        var breaches = new NodeBreach?[model.Nodes.Length];
        var overflows = new NodeBreach?[model.Nodes.Length];
        var anyBreach = false;
        for (var n = 0; n < model.Nodes.Length; n++)
        {
            breaches[n] = BreachFinder.First(model, nodeLoad, n, atCapacity: false);
            overflows[n] = BreachFinder.First(model, nodeLoad99, n, atCapacity: true);
            anyBreach |= breaches[n] is not null || overflows[n] is not null;
        }

        var cooling = new bool[model.Partitions.Length];
        for (var p = 0; p < cooling.Length; p++)
        {
            cooling[p] = CooldownPolicy.IsCooling(request, model.Partitions[p].Id);
        }

        var warnings = new List<string>();
        if (model.PlanningQuantile != request.Constraints.PlanningQuantile)
        {
            warnings.Add(string.Create(CultureInfo.InvariantCulture, $"PlanningQuantile {request.Constraints.PlanningQuantile:0.###} is outside the forecast's quantiles ({request.Forecast.Quantiles[0]:0.###}–{request.Forecast.Quantiles[^1]:0.###}); the plan is made at q{model.PlanningQuantile:0.###}, the nearest the forecast gives."));
        }

        var ids = new PartitionIdAllocator(request.Cluster, _options.PartitionIds, _partitionIdGate);
        var splits = _options.EnableSplits
            ? SplitRule.Decide(model, nodeLoad, breaches, overflows, cooling, _options, ids, warnings, cancellationToken)
            : [];
        var splitting = new bool[model.Partitions.Length];
        foreach (var split in splits)
        {
            splitting[split.Partition] = true;
            PlanningLog.SplitChosen(_logger, model.Partitions[split.Partition].Id.Value, split.Proposal.Ways, split.Reason);
        }

        var merges = MergeRule.Decide(model, cooling, splitting, _options, ids, cancellationToken);
        cancellationToken.ThrowIfCancellationRequested();
        var (problem, shardIds) = PlacementProblemBuilder.Build(model, splits, merges, cooling, _options);
        var bound = LowerBound.Compute(problem);

        // Feasibility is judged on the whole forecast: the search's capped loads hide what no node can take.
        var wholeBound = problem.Uncapped is { } uncapped ? LowerBound.Compute(uncapped) : bound;
        var feasible = wholeBound.Value <= 1 + 1e-9;
        var shortfall = Math.Max(0, wholeBound.Value - 1);

        var stoppedAtTimeLimit = false;
        var placement = new AssignmentChromosome(problem);
        placement.Assign(problem.Current);
        PlacementFitness.Instance.Evaluate(placement);
        if ((anyBreach || _options.RebalanceUnderThresholds) && problem.Nodes > 1 && problem.Shards > 0)
        {
            var algorithm = new GeneticAlgorithm(problem, _options, _time);
            // Seeds: the current placement, a move-aware drain of the nodes above the lower bound, and LPT greedy. Each
            // is a pass over the nodes per shard placed, so on a huge cluster they are paid from the time budget too; the
            // greedy seed, which moves nearly every shard, is left out once the drain has spent it.
            var searchStarted = _time.GetTimestamp();
            var drained = DrainPlacement.Place(problem, bound.Value * 0.98, bound.Value, cancellationToken);
            cancellationToken.ThrowIfCancellationRequested();
            int[][] seeds = _time.GetElapsedTime(searchStarted) < _options.TimeBudget
                ? [problem.Current, drained, GreedyPlacement.Place(problem, cancellationToken)]
                : [problem.Current, drained];
            var result = algorithm.Run(seeds, cancellationToken, searchStarted);
            placement = result.Best;
            MovePruner.Prune(placement);
            PlanningLog.SearchFinished(_logger, problem.Shards, result.StoppedBy, result.Generations, result.RebuildRounds, result.SeededFitness, result.SeedingTime.TotalMilliseconds, placement.Fitness, bound.Value);
            if (result.StoppedBy == "time budget")
            {
                stoppedAtTimeLimit = true;
                warnings.Add(string.Create(CultureInfo.InvariantCulture, $"The search stopped at its time budget ({_options.TimeBudget.TotalMilliseconds:0} ms) after {result.Generations} generations; another run may find a different plan."));
            }
        }
        else
        {
            PlanningLog.NothingToDo(
                _logger,
                !(anyBreach || _options.RebalanceUnderThresholds) ? "no node is predicted to cross a threshold or its capacity"
                : problem.Nodes <= 1 ? "the cluster has one node"
                : "there is no shard to place");
        }

        var reported = Reported(problem, placement);
        var after = BreachFinder.Summarize(model, reported.NodeLoad);
        AddOutcomeWarnings(model, reported, feasible, shortfall, wholeBound, warnings);

        var actions = new List<ShardingAction>();
        foreach (var split in splits)
        {
            actions.Add(new SplitAction(model.Partitions[split.Partition].Id, split.Proposal.Keys, split.NewPartitions, split.Reason));
        }

        foreach (var merge in merges)
        {
            actions.Add(new MergeAction(model.Partitions[merge.Left].Id, model.Partitions[merge.Left + 1].Id, merge.Merged, merge.Reason));
        }

        actions.AddRange(MoveExplainer.Explain(model, problem.Reported, shardIds, reported, breaches, overflows));
        var plan = new ShardingPlan(feasible, actions, before, after, placement.MovedBytes, _time.GetElapsedTime(started))
        {
            Shortfall = shortfall,
            Warnings = warnings,
            StoppedAtTimeLimit = stoppedAtTimeLimit,
        };

        if (!feasible)
        {
            PlanningLog.Infeasible(_logger, shortfall);
        }

        PlanningLog.PlanFinished(_logger, plan.PlanTime.TotalMilliseconds, actions.Count, plan.MovedBytes, before.MaxUtilization, after.MaxUtilization, feasible);
        _metrics.Record(plan);
        return plan;
    }

    /// <summary>The placement's genes over the whole forecast loads (itself when no load was capped).</summary>
    private static AssignmentChromosome Reported(PlacementProblem problem, AssignmentChromosome placement)
    {
        if (problem.Uncapped is not { } uncapped)
        {
            return placement;
        }

        var reported = new AssignmentChromosome(uncapped);
        reported.Assign(placement.Genes);
        return reported;
    }

    private static void AddOutcomeWarnings(LoadModel model, AssignmentChromosome placement, bool feasible, double shortfall, LowerBound bound, List<string> warnings)
    {
        var inv = CultureInfo.InvariantCulture;
        if (!feasible)
        {
            var what = bound.Aggregate >= bound.Indivisible
                ? "the cluster's total predicted load exceeds its total allowance (capacity × threshold)"
                : "a shard this plan does not split further (a single key, too few sampled keys, MaxSplitWays, a cooldown or splits turned off) is hotter than any node's allowance";
            warnings.Add(string.Create(inv, $"Infeasible: {what} by {shortfall:P1} at q{ReasonText.Quantile(model.PlanningQuantile)}; the plan is the best placement found."));
        }

        for (var n = 0; n < model.Nodes.Length; n++)
        {
            if (feasible && BreachFinder.First(model, placement.NodeLoad, n, atCapacity: false) is { } breach)
            {
                warnings.Add("Still predicted after the plan: " + ReasonText.Breach(model, breach) + " (the move budget, cooldowns or search time limit the plan).");
            }

            if (BreachFinder.First(model, placement.NodeLoad99, n, atCapacity: true) is { } overflow)
            {
                warnings.Add("Capacity overflow still predicted after the plan: " + ReasonText.Breach(model, overflow) + ".");
            }
        }
    }
}
