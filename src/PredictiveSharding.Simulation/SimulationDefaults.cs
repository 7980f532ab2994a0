namespace PredictiveSharding.Simulation;

/// <summary>The simulation's defaults and the published figures they come from, in one place.</summary>
internal static class SimulationDefaults
{
    public const int Nodes = 8;

    /// <summary>Capacity = peak total load per step / (nodes × headroom): a perfectly balanced cluster runs at 80% at the peak.</summary>
    public const double Headroom = 0.8;

    public const int PartitionsPerNode = 4;

    /// <summary>1 MiB per key: only the ratio of partition sizes to move bandwidth matters, so one round figure will do.</summary>
    public const long BytesPerKey = 1L << 20;

    /// <summary>
    /// A running move adds this share of the moving partition's current load to both its source and its target (the
    /// copy reads on one end and writes on the other, on top of serving), the same for every strategy.
    /// </summary>
    public const double MoveOverheadShare = 0.25;

    public const double WarmupFraction = 0.3;

    public const int Seed = 1;

    /// <summary>Moves that may run at once in the whole cluster, for every strategy (PlanningConstraints.MaxConcurrentMoves's default).</summary>
    public const int MaxConcurrentMoves = 4;

    /// <summary>A partition whose move started or finished less than this many steps ago is not moved again by any strategy (<see cref="SimulationOptions.CooldownSteps"/>: splits do not count).</summary>
    public const int CooldownSteps = 2;

    /// <summary>Which one-key partitions keep the burst bound: those whose load moves with a key-order neighbour's (ForecastGuardOptions.SingleKeyNeighbourCorrelation).</summary>
    public const double SingleKeyNeighbourCorrelation = 0.9;

    public const int HorizonSteps = 12;

    public const int PlanEverySteps = 1;

    /// <summary>The predictive strategy plans to keep forecast node load at the planning quantile under this share of capacity.</summary>
    public const double PlannerUtilizationThreshold = 0.9;

    /// <summary>
    /// The forecast quantile the planner plans for: the median. The threshold (0.9 × capacity) already keeps a margin for
    /// forecast error; planning at the LSTM's 0.9 quantile of bursty series as well made the plan chase predicted breaches
    /// that did not come (on the embedded trace: 2 × the bytes moved and more overload, from the moves' own load).
    /// </summary>
    public const double PlanningQuantile = 0.5;

    /// <summary>Most fine-tunings of the forecaster per replay: beyond this the fine-tuning interval grows with the trace.</summary>
    public const int MaxFineTunes = 16;

    /// <summary>History the planned strategies hand to the forecaster at each plan, in steps (at most).</summary>
    public const int HistoryWindowSteps = 512;

    /// <summary>
    /// The published split threshold as a share of a node's capacity: TiKV's
    /// <c>split.region-cpu-overload-threshold-ratio</c> = 0.25 (a Region is hot when it takes 25% of the node's read-pool
    /// CPU). The QPS thresholds (CockroachDB <c>kv.range_split.load_qps_threshold</c> 2500, TiKV
    /// <c>split.qps-threshold</c> 3000) are absolute; this ratio is the one published figure that is already relative to
    /// the node, so it is how the simulator maps them.
    /// </summary>
    public const double PublishedSplitThresholdShare = 0.25;

    /// <summary>
    /// The published QPS split thresholds as a share of a node's capacity: CockroachDB's
    /// <c>kv.range_split.load_qps_threshold</c> 2,500 and TiKV's <c>split.qps-threshold</c> 3,000 against a node that
    /// serves some 50,000–100,000 requests per second. The reactive grid's lowest threshold, and the threshold of the
    /// reactive shadow whose bytes the predictive strategy's byte budget follows (<see cref="SimulationOptions.ReactiveByteBudget"/>).
    /// </summary>
    public const double PublishedQpsSplitThresholdShare = 0.03;

    /// <summary>TiKV <c>split.detect-times</c> = 10 consecutive seconds over the threshold.</summary>
    public static readonly TimeSpan PublishedDetectWindow = TimeSpan.FromSeconds(10);

    /// <summary>CockroachDB store rebalancer: act when a store's load is more than 10% above the mean.</summary>
    public const double RebalanceAboveMean = 0.10;

    /// <summary>
    /// CockroachDB store rebalancer's minimum difference of 100 QPS, mapped like the split threshold: 100 / 2500 of the
    /// split threshold, i.e. 0.04 × 0.25 = 1% of a node's capacity.
    /// </summary>
    public const double RebalanceMinDifferenceShare = 100.0 / 2500.0 * PublishedSplitThresholdShare;

    /// <summary>CockroachDB's split finder: a reservoir of 20 sampled keys (TiKV <c>split.sample-num</c> = 20 too).</summary>
    public const int SplitSampleCount = 20;

    /// <summary>CockroachDB's and TiKV's split balance score limit: |left − right| / (left + right) &lt; 0.25.</summary>
    public const double SplitBalanceScore = 0.25;

    /// <summary>CockroachDB's and TiKV's contained-share limit (requests spanning the candidate key) &lt; 0.5.</summary>
    public const double SplitContainedScore = 0.5;

    /// <summary>
    /// The reactive grid's split thresholds, as shares of node capacity: from 0.03 (CockroachDB's 2,500 and TiKV's 3,000 QPS
    /// against a node that serves some 50,000–100,000) to above the published 0.25 (TiKV's CPU-overload ratio), so the
    /// hindsight-best setting covers both ways of mapping the published thresholds.
    /// </summary>
    public static readonly double[] ReactiveThresholdGrid = [PublishedQpsSplitThresholdShare, 0.06, 0.1, 0.15, 0.25, 0.4];

    /// <summary>The reactive grid's consecutive-step counts.</summary>
    public static readonly int[] ReactiveConsecutiveGrid = [1, 2, 3];

    /// <summary>The oracle's variants (GeneticPlannerOptions.PeakFloor); it reports the best, as reactive reports its grid's best.</summary>
    public static readonly double[] OraclePeakFloors = [0, 1];

    /// <summary>
    /// The planner's move-cost weight (GeneticPlannerOptions.MoveCostWeight): moving every byte of the cluster costs as
    /// much as this many times the threshold in peak utilisation. 2: with the hourly seasonal lag the forecast shows each
    /// hour's timer peaks, and at 0.5 the plan chased them (the embedded default moved 23.9 GB, 2.45 × the reactive
    /// strategy's bytes; 6.1 GB before the lag); at 2 it moves 0.5 × reactive's and overloads as before.
    /// </summary>
    public const double MoveCostWeight = 2;

    /// <summary>
    /// κ of every simulated planner's overflow penalty (GeneticPlannerOptions.OverflowSpreadWeight; the burst preset's
    /// too): 0.05, a tie-breaker towards spreading overflow that burst bounds put on every node whatever the placement.
    /// At 1 it drove plans on hourly random bursts (rh18: 420 → 12,120 node-minutes; docs/measurements.md, session 39).
    /// </summary>
    public const double OverflowSpreadWeight = 0.05;

    /// <summary>
    /// The oracle's move-cost variants: the planner's own weight and the earlier, lighter one (0.5). A planner that knows
    /// the future loses less by moving, and the bound should not be weakened by a weight chosen for forecasts.
    /// </summary>
    public static readonly double[] OracleMoveCostWeights = [MoveCostWeight, 0.5];

    /// <summary>
    /// The planned strategies' weight of a breach on a node that holds a shard filling a node alone
    /// (GeneticPlannerOptions.IsolationWeight): the burst preset's 2, so the simulation plans as a host's control loop does.
    /// </summary>
    public const double IsolationWeight = 2;

    /// <summary>
    /// The predictive strategy's data-movement budget as a multiple of what the published reactive setting has moved by the
    /// same step (SimulationOptions.ReactiveByteBudget): no more than the reactive balancer it replaces.
    /// </summary>
    public const double ReactiveByteBudget = 1;

    /// <summary>Most key samples handed to the planner per partition.</summary>
    public const int PlannerKeySamples = 48;

    /// <summary>
    /// The predictive strategy's level-shift floor (<see cref="SimulationOptions.LevelShiftSteps"/>): the steps a partition's
    /// load must stay above its forecast before the forecast follows it; 0 is off. Off because at 2 it passed 52 of the
    /// 62 screen and synthetic rows against 53 without (docs/measurements.md, session 40): it fixes per-minute keys that
    /// step up and stay up, and loses a per-minute Azure row by one node-minute and an hourly random-burst draw.
    /// </summary>
    public const int LevelShiftSteps = 0;
}
