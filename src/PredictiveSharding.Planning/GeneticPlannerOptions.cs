using System.Globalization;

namespace PredictiveSharding.Planning;

/// <summary>
/// Settings of a <see cref="GeneticShardPlanner"/>: the genetic search (population, operators, termination), the
/// objective's weights and the split/merge rules. The host's policy (thresholds, budgets, cooldown) lives in
/// <see cref="PlanningConstraints"/>; these are the planner's own knobs.
/// </summary>
public sealed class GeneticPlannerOptions
{
    /// <summary>
    /// Individuals per generation. Default 24; from 4 to 10,000. Each individual holds a whole placement and its node
    /// loads, so the bound keeps a mistyped size from failing a plan with an out-of-memory error part-way through it; a
    /// plan's time budget breeds few generations of even a few hundred.
    /// </summary>
    public int PopulationSize { get; set; } = 24;

    private const int MaxPopulationSize = 10_000;

    /// <summary>Most generations to run. Default 100; at least 1.</summary>
    public int MaxGenerations { get; set; } = 100;

    /// <summary>
    /// Stop after this many generations without the best objective improving by more than a millionth. Default 15;
    /// at least 1. The rebuild after the search (<see cref="RebuildMovedSet"/>) stops after twice as many rounds without
    /// such an improvement.
    /// </summary>
    public int StagnationLimit { get; set; } = 15;

    /// <summary>
    /// Wall-clock cap on the search, read from the planner's <see cref="TimeProvider"/> between generations and during
    /// the rebuild after it (<see cref="RebuildMovedSet"/>). It counts from before the search's starting placements are
    /// built (on a huge cluster they take a noticeable share of it), so the search ends about this long after the rules
    /// have decided the splits. Default 2 s.
    /// A plan cut short by this budget depends on the machine's speed; one that ends by generations or stagnation
    /// depends only on <see cref="Seed"/>.
    /// </summary>
    public TimeSpan TimeBudget { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Individuals compared in each tournament when selecting a parent. Default 3; from 2 to <see cref="PopulationSize"/>.</summary>
    public int TournamentSize { get; set; } = 3;

    /// <summary>Probability that a child is a crossover of two parents rather than a copy of one. Default 0.8; from 0 to 1.</summary>
    public double CrossoverRate { get; set; } = 0.8;

    /// <summary>Probability that a child is mutated (a few move-aware shard moves, or a swap). Default 0.3; from 0 to 1.</summary>
    public double MutationRate { get; set; } = 0.3;

    /// <summary>Best individuals carried unchanged into the next generation. Default 2; from 0 to <see cref="PopulationSize"/> − 1.</summary>
    public int EliteCount { get; set; } = 2;

    /// <summary>Seed of every random choice; the same seed, request and options give the same plan. Default 42.</summary>
    public int Seed { get; set; } = 42;

    /// <summary>Threads that build and evaluate children in parallel (results do not depend on it). Default: the processor count; at least 1.</summary>
    public int DegreeOfParallelism { get; set; } = Environment.ProcessorCount;

    /// <summary>
    /// Whether each child gets a short local search (move or swap a shard off the hottest node). Default true: in a
    /// prototype this took the GA from 0.97% above the lower bound after 10 s to 0.06% in 1 s (1,000 shards × 20 nodes).
    /// </summary>
    public bool LocalSearch { get; set; } = true;

    /// <summary>
    /// Whether, after the search, the best plan's moved set is rebuilt when the move budget (bytes or
    /// <see cref="PlanningConstraints.MaxMovesPerPlan"/>) is smaller than moving every movable shard and the plan moves at
    /// least two: rounds that send some moved shards home and spend the freed budget again (randomised moves and swaps
    /// off the hottest nodes), keeping a result only when it scores better, until <see cref="StagnationLimit"/> × 2
    /// rounds bring nothing or <see cref="TimeBudget"/> is spent. Default true; needs <see cref="LocalSearch"/>.
    /// </summary>
    /// <remarks>
    /// Why: once a binding budget is spent, the GA's operators cannot trade several moves for several others, and it
    /// stopped by stagnation up to 6% above CP-SAT's proven optimum on budgeted instances (over 2% on 12 of 43); with the
    /// rebuild, 1 of 43 (docs/measurements.md). It costs plan time (the embedded simulation's forecast and plan compute
    /// went from 11.1 s to 17.9 s) and, there, some more moved bytes for no fewer overloaded node-minutes. Reproducible
    /// like the rest of the search: the result depends on <see cref="Seed"/>, not on the thread count.
    /// </remarks>
    public bool RebuildMovedSet { get; set; } = true;

    /// <summary>
    /// Most improving steps of one local search. Default 24; from 1 to 1,000,000 (the first children's searches take
    /// eight times as many, which must stay within an int).
    /// </summary>
    public int LocalSearchSteps { get; set; } = 24;

    /// <summary>
    /// Weight of moved bytes in the objective: moving every byte of the cluster costs this much predicted peak
    /// utilisation (as a share of the threshold). Default 0.02; zero or more.
    /// </summary>
    public double MoveCostWeight { get; set; } = 0.02;

    /// <summary>
    /// Objective cost of each move on top of its bytes (a share of the threshold in predicted peak), so a plan makes a
    /// move only when it lowers the peak, the overflow or a breach by at least this much. <see cref="MoveCostWeight"/>
    /// prices a move by its bytes, and once partitions are split fine a move of one small piece costs next to nothing:
    /// a plan made every interval then keeps trading small pieces between nodes for gains within the forecast's noise.
    /// Measured in the trace-driven comparison (docs/measurements.md): 0.01 took the embedded trace's predictive moves
    /// from 928 to 163 at the same overload and a bursty hourly trace's from 1,116 to 502, but spreading a surge-prone
    /// range before a surge takes many moves of small pieces, and the daily Wikipedia traces overloaded more. Default 0
    /// (off); zero or more.
    /// </summary>
    public double PerMoveCost { get; set; }

    /// <summary>
    /// The objective counts the predicted peak (a share of the threshold) as at least this, so a plan pays for moves only
    /// while they lower a peak above it: with 1 the plan buys predicted breaches avoided and nothing else (Slicer and Shard
    /// Manager bound churn the same way), with 0 (default) every move that lowers the peak by more than its move cost is
    /// made, which balances the whole cluster once any breach is predicted. Zero or more.
    /// </summary>
    public double PeakFloor { get; set; }

    /// <summary>Weight of capacity overflow at the 0.99 quantile (summed over nodes, as a share of capacity). Default 10; zero or more.</summary>
    public double OverflowWeight { get; set; } = 10;

    /// <summary>
    /// κ of the overflow penalty: each node's overflow o at the 0.99 quantile (a share of capacity) costs
    /// o + κ·o²/(1 + o) before <see cref="OverflowWeight"/>. Default 0: the plain sum over nodes, which is indifferent
    /// between piling overflow on one node and spreading it (a shard moved between two overflowing nodes lowers one
    /// overflow by what it raises the other), so when burst bounds put every node over capacity whatever the placement,
    /// pieces that may surge together stay together. A small κ breaks that tie towards spreading; its slope stays below
    /// 1 + κ, so it never outgrows the linear term as a quadratic o + o² did when tried (it drove plans that bounds put
    /// far over capacity; docs/measurements.md, session 38). Zero or more.
    /// </summary>
    public double OverflowSpreadWeight { get; set; }

    /// <summary>
    /// Weight of every node's predicted peak above its threshold (a share of the threshold), summed over nodes, beside the
    /// single worst peak the objective always counts. Default 0 (off): the objective sees only the hottest node. When one
    /// node is hot beyond any help (a key hotter than its threshold), the worst peak cannot move, so a second node forecast
    /// over its threshold costs nothing and stays there; with a positive weight each node's breach counts. It shifts which
    /// moves a plan buys, not only how many: measured in the trace-driven comparison (docs/measurements.md), 3 ended such
    /// a breach that had lasted 50 steps, but cost other rows a step of overload. Zero or more.
    /// </summary>
    public double BreachSumWeight { get; set; }

    /// <summary>
    /// Weight of a node's predicted peak above its threshold (a share of the threshold) when the node holds a shard that
    /// alone reaches the allowance of any node: a key, or a range no split divides, that fills a node by itself. Such a
    /// node is at its limit whatever the plan does, and the worst-peak term sees little of what else it carries: there,
    /// moving a cold partition off lowers the worst peak by that partition's small load, which a move cost outweighs, and
    /// the node stays over capacity step after step. With this weight that other load counts on its own, so the plan
    /// isolates the hot shard as a reactive balancer ends up doing. Default 0; <see cref="ForBurstBoundForecasts"/> sets 2.
    /// Zero or more.
    /// </summary>
    public double IsolationWeight { get; set; }

    /// <summary>
    /// Share of a moving shard's load that its copy adds to both its old and its new node while the move runs (reading,
    /// shipping and writing the range on top of serving it). A move of <c>b</c> bytes runs for ⌈b / (bandwidth × step
    /// seconds)⌉ forecast steps (at most the horizon) at <see cref="PlanningConstraints.MoveBandwidthBytesPerSecond"/>; during those steps the plan charges the share
    /// on both ends at the planning quantile, so it neither moves load onto a node that the copy itself would push over nor
    /// counts on relief the copy eats. The overflow quantile's burst insurance is not charged it (charged there, it blocked
    /// the moves the insurance needs; docs/measurements.md). Default 0 (moves cost only their bytes): the executor's
    /// default throttle keeps a copy's foreground cost within a few per cent (docs/measurements.md), so set this for a
    /// mover whose copies cost more. From 0 to 1.
    /// </summary>
    public double MoveOverheadShare { get; set; }

    /// <summary>Whether the rules may split partitions. Default true; false plans placement only.</summary>
    public bool EnableSplits { get; set; } = true;

    /// <summary>
    /// A partition on a node predicted to cross a threshold is split when, at some step, it alone uses more than this
    /// share of the largest node's allowance (capacity × threshold): too coarse to place well. Default 0.5; in (0, 1].
    /// </summary>
    public double SplitShareThreshold { get; set; } = 0.5;

    /// <summary>
    /// Hysteresis against split/merge thrash: split children must come out below (1 − margin) × the split share and
    /// (1 − margin) × <see cref="PlanningConstraints.MaxPartitionBytes"/>, and merges must stay far below both. Default 0.2; in [0, 0.5).
    /// </summary>
    public double HysteresisMargin { get; set; } = 0.2;

    /// <summary>Most shards one split creates. Default 8; from 2 to 64.</summary>
    public int MaxSplitWays { get; set; } = 8;

    /// <summary>
    /// Two adjacent partitions on one node are merged (when <see cref="PlanningConstraints.AllowMerges"/>) only if together
    /// they stay under this share of the largest node's allowance at every step. Default 0.1; must be below
    /// <see cref="SplitShareThreshold"/> × (1 − <see cref="HysteresisMargin"/>)².
    /// </summary>
    public double MergeShareThreshold { get; set; } = 0.1;

    /// <summary>
    /// Whether a partition is also split when its node is forecast over capacity at the overflow quantile (0.99) and the
    /// partition's own 0.99-quantile peak exceeds <see cref="SplitShareThreshold"/> of the largest node's capacity, when
    /// the planning quantile predicts no breach on that node (on a node with a breach at the planning quantile, only the
    /// planning quantile's peak is held against the split share). The objective already charges overflow at that
    /// quantile; without this a surge-prone partition stays too coarse for the placement to spread it before the surge.
    /// Default false.
    /// </summary>
    public bool SplitOnOverflowQuantile { get; set; }

    /// <summary>
    /// Whether to optimise placement even when no node is predicted to cross a threshold. Default false: a cluster
    /// under its thresholds is left alone (hysteresis against needless moves). Set it to compare placement quality.
    /// </summary>
    public bool RebalanceUnderThresholds { get; set; }

    /// <summary>
    /// Names the partitions splits and merges create; null (default): a child is named after its parent and its index
    /// (<c>p7.1</c>), a merge after both halves (<c>p7.0+p7.1</c>), so ids grow with every split and merge. Not bound from
    /// configuration; set it in code (<c>services.Configure&lt;GeneticPlannerOptions&gt;(o => o.PartitionIds = ...)</c> with <c>AddPredictiveSharding</c>).
    /// </summary>
    public IPartitionIdSource? PartitionIds { get; set; }

    /// <summary>
    /// Settings for forecasts whose 0.99 quantile carries a burst bound (<see cref="Guards.ForecastGuard"/> with
    /// <see cref="Guards.ForecastGuardOptions.BoundBursts"/>, the control loop's default), as the simulation's predictive
    /// strategy plans and the README's comparison measures: moving every byte of the cluster costs 2 × the threshold in
    /// predicted peak (<see cref="MoveCostWeight"/>; at the default 0.02 a plan made every interval reshuffles partitions
    /// that need not move), overflow at the 0.99 quantile weighs as a breach of the same size (<see cref="OverflowWeight"/>
    /// 1: burst bounds put many nodes over capacity at once, and at 10 their sum outweighs the breach the median forecast
    /// predicts, so the plan spreads everything but the hot node), and a surge-prone partition is split on the 0.99
    /// quantile (<see cref="SplitOnOverflowQuantile"/>) once its 0.99-quantile peak passes 0.35 of a node
    /// (<see cref="SplitShareThreshold"/>, default 0.5; the same share applies to splits for a breach at the planning
    /// quantile). Why finer than the default: a burst bound says a range may surge,
    /// not which one will, and a range that surges whole onto one node can only be relieved by moving all of it at once;
    /// ranges cut to about a third of a node before any surge let the placement spread the pieces. Reactive splitters cut
    /// finer still (TiKV splits a region at 0.25 of a node's CPU; the simulation's best reactive settings split at
    /// 0.1–0.15). With moves that costly, load beside a shard that fills a node alone would stay there, so such a node's
    /// breach weighs 2 more (<see cref="IsolationWeight"/>: shedding 0.03 of a threshold there then outweighs moving one
    /// of 32 equal partitions, 2 / 32). Every other setting at its default.
    /// </summary>
    /// <returns>New options; change any of them before use.</returns>
    public static GeneticPlannerOptions ForBurstBoundForecasts() => new()
    {
        MoveCostWeight = 2,
        OverflowWeight = 1,
        OverflowSpreadWeight = 0.05,
        IsolationWeight = 2,
        SplitOnOverflowQuantile = true,
        SplitShareThreshold = 0.35,
    };

    /// <summary>Throws when a setting is out of range, naming it and its value.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A setting is out of range.</exception>
    public void Validate()
    {
        if (PopulationSize < 4 || PopulationSize > MaxPopulationSize)
        {
            throw Bad(nameof(PopulationSize), PopulationSize, "from 4 to 10,000");
        }

        if (MaxGenerations < 1)
        {
            throw Bad(nameof(MaxGenerations), MaxGenerations, "at least 1");
        }

        if (StagnationLimit < 1)
        {
            throw Bad(nameof(StagnationLimit), StagnationLimit, "at least 1");
        }

        if (TimeBudget <= TimeSpan.Zero)
        {
            throw Bad(nameof(TimeBudget), TimeBudget, "positive");
        }

        if (TournamentSize < 2 || TournamentSize > PopulationSize)
        {
            throw Bad(nameof(TournamentSize), TournamentSize, "from 2 to PopulationSize (" + PopulationSize.ToString(CultureInfo.InvariantCulture) + ")");
        }

        CheckProbability(nameof(CrossoverRate), CrossoverRate);
        CheckProbability(nameof(MutationRate), MutationRate);
        if (EliteCount < 0 || EliteCount >= PopulationSize)
        {
            throw Bad(nameof(EliteCount), EliteCount, "from 0 to PopulationSize − 1 (" + (PopulationSize - 1).ToString(CultureInfo.InvariantCulture) + ")");
        }

        if (DegreeOfParallelism < 1)
        {
            throw Bad(nameof(DegreeOfParallelism), DegreeOfParallelism, "at least 1");
        }

        if (LocalSearchSteps is < 1 or > 1_000_000)
        {
            throw Bad(nameof(LocalSearchSteps), LocalSearchSteps, "from 1 to 1,000,000");
        }

        CheckWeight(nameof(MoveCostWeight), MoveCostWeight);
        CheckWeight(nameof(PerMoveCost), PerMoveCost);
        CheckWeight(nameof(OverflowWeight), OverflowWeight);
        CheckWeight(nameof(BreachSumWeight), BreachSumWeight);
        CheckWeight(nameof(OverflowSpreadWeight), OverflowSpreadWeight);
        CheckWeight(nameof(IsolationWeight), IsolationWeight);
        CheckWeight(nameof(PeakFloor), PeakFloor);
        if (!(MoveOverheadShare >= 0 && MoveOverheadShare <= 1))
        {
            throw Bad(nameof(MoveOverheadShare), MoveOverheadShare, "from 0 to 1");
        }

        if (!(SplitShareThreshold > 0 && SplitShareThreshold <= 1))
        {
            throw Bad(nameof(SplitShareThreshold), SplitShareThreshold, "in (0, 1]");
        }

        if (!(HysteresisMargin >= 0 && HysteresisMargin < 0.5))
        {
            throw Bad(nameof(HysteresisMargin), HysteresisMargin, "in [0, 0.5)");
        }

        if (MaxSplitWays is < 2 or > 64)
        {
            throw Bad(nameof(MaxSplitWays), MaxSplitWays, "from 2 to 64");
        }

        var mergeCeiling = SplitShareThreshold * (1 - HysteresisMargin) * (1 - HysteresisMargin);
        if (!(MergeShareThreshold > 0 && MergeShareThreshold < mergeCeiling))
        {
            throw Bad(nameof(MergeShareThreshold), MergeShareThreshold, "positive and below SplitShareThreshold × (1 − HysteresisMargin)² (" + mergeCeiling.ToString("0.###", CultureInfo.InvariantCulture) + ")");
        }
    }

    internal GeneticPlannerOptions Clone() => (GeneticPlannerOptions)MemberwiseClone();

    private static void CheckProbability(string name, double value)
    {
        if (!(value >= 0 && value <= 1))
        {
            throw Bad(name, value, "from 0 to 1");
        }
    }

    private static void CheckWeight(string name, double value)
    {
        if (!(value >= 0) || !double.IsFinite(value))
        {
            throw Bad(name, value, "zero or more and finite");
        }
    }

    private static ArgumentOutOfRangeException Bad(string name, object value, string expected) =>
        new(name, value, string.Create(CultureInfo.InvariantCulture, $"GeneticPlannerOptions.{name} must be {expected}; got {value}."));
}
