using System.Globalization;
using PredictiveSharding.Topology;

namespace PredictiveSharding.Planning;

/// <summary>The host's policy for a plan: thresholds, limits, budgets and preferences. Defaults are conservative.</summary>
public sealed record PlanningConstraints
{
    /// <summary>The forecast quantile the plan must keep under the thresholds. Default 0.9.</summary>
    public double PlanningQuantile { get; init; } = 0.9;

    /// <summary>
    /// Utilisation a node must stay under, per resource, as a share of capacity. A resource not listed uses
    /// <see cref="DefaultUtilizationThreshold"/>.
    /// </summary>
    public IReadOnlyDictionary<ResourceKind, double> UtilizationThresholds { get; init; } = new Dictionary<ResourceKind, double>();

    /// <summary>Threshold for resources not listed in <see cref="UtilizationThresholds"/>. Default 0.8.</summary>
    public double DefaultUtilizationThreshold { get; init; } = 0.8;

    /// <summary>A partition larger than this is split whatever its load. Default 10 GB (HBase's hbase.hregion.max.filesize); null for no limit.</summary>
    public long? MaxPartitionBytes { get; init; } = 10L * 1024 * 1024 * 1024;

    /// <summary>Most bytes one plan may move. Default 10 GiB.</summary>
    public long MoveBudgetBytes { get; init; } = 10L * 1024 * 1024 * 1024;

    /// <summary>
    /// Most moves that may run at once. Default 4. The planners do not read it (the executor bounds concurrency per node);
    /// the hosting package's control loop caps each plan at this many moves unless <see cref="MaxMovesPerPlan"/> is set,
    /// and the simulation runs at most this many moves at a time.
    /// </summary>
    public int MaxConcurrentMoves { get; init; } = 4;

    /// <summary>
    /// Most moves one plan may carry; null (the default) for no limit beyond <see cref="MoveBudgetBytes"/>. A host that
    /// replans before its queue drains can set it to the moves it can start before the next plan: the planner then
    /// chooses the moves that relieve the predicted breaches most within that count, instead of a longer list of which
    /// only the first few would start (small split pieces fit a byte budget many times over).
    /// </summary>
    public int? MaxMovesPerPlan { get; init; }

    /// <summary>Move bandwidth used to estimate how long a move takes, bytes per second. Default 50 MB/s.</summary>
    public double MoveBandwidthBytesPerSecond { get; init; } = 50_000_000;

    /// <summary>
    /// A partition changed (split, merged or moved) less than this long ago is left alone. Default 5 minutes
    /// (CockroachDB's kv.range_split.by_load_merge_delay).
    /// </summary>
    public TimeSpan Cooldown { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Weight of serving a shard away from its clients' region in the plan's objective; 0 ignores locality. Default 0.05.</summary>
    public double LocalityWeight { get; init; } = 0.05;

    /// <summary>Whether cold adjacent partitions on the same node may be merged. Default false.</summary>
    public bool AllowMerges { get; init; }

    /// <summary>Throws when a setting is out of range, naming it and its value.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A setting is out of range.</exception>
    /// <exception cref="ArgumentNullException"><see cref="UtilizationThresholds"/> is null.</exception>
    public void Validate()
    {
        if (!(PlanningQuantile > 0 && PlanningQuantile < 1))
        {
            throw Bad(nameof(PlanningQuantile), PlanningQuantile, "strictly between 0 and 1");
        }

        if (!(DefaultUtilizationThreshold > 0) || !double.IsFinite(DefaultUtilizationThreshold))
        {
            throw Bad(nameof(DefaultUtilizationThreshold), DefaultUtilizationThreshold, "a positive, finite share of capacity");
        }

        // The property is not nullable, but an initialiser with null!, a deserializer or a binder can still set null, which
        // the loop below met as a NullReferenceException naming nothing.
        if (UtilizationThresholds is null)
        {
            throw new ArgumentNullException(nameof(UtilizationThresholds), "PlanningConstraints.UtilizationThresholds must be a dictionary (empty when every resource uses DefaultUtilizationThreshold); got null.");
        }

        foreach (var (resource, threshold) in UtilizationThresholds)
        {
            if (!(threshold > 0) || !double.IsFinite(threshold))
            {
                throw Bad("UtilizationThresholds[" + resource.Name + "]", threshold, "a positive, finite share of capacity");
            }
        }

        if (MaxPartitionBytes is <= 0)
        {
            throw Bad(nameof(MaxPartitionBytes), MaxPartitionBytes, "positive, or null for no limit");
        }

        if (MoveBudgetBytes < 0)
        {
            throw Bad(nameof(MoveBudgetBytes), MoveBudgetBytes, "zero or more");
        }

        if (MaxConcurrentMoves < 1)
        {
            throw Bad(nameof(MaxConcurrentMoves), MaxConcurrentMoves, "at least 1");
        }

        if (!(MoveBandwidthBytesPerSecond > 0) || !double.IsFinite(MoveBandwidthBytesPerSecond))
        {
            throw Bad(nameof(MoveBandwidthBytesPerSecond), MoveBandwidthBytesPerSecond, "positive and finite");
        }

        if (MaxMovesPerPlan is < 1)
        {
            throw Bad(nameof(MaxMovesPerPlan), MaxMovesPerPlan.Value, "at least 1, or null for no limit");
        }

        if (Cooldown < TimeSpan.Zero)
        {
            throw Bad(nameof(Cooldown), Cooldown, "zero or more");
        }

        if (!(LocalityWeight >= 0) || !double.IsFinite(LocalityWeight))
        {
            throw Bad(nameof(LocalityWeight), LocalityWeight, "zero or more");
        }
    }

    /// <summary>The threshold for a resource.</summary>
    public double ThresholdFor(ResourceKind resource) =>
        UtilizationThresholds.TryGetValue(resource, out var t) ? t : DefaultUtilizationThreshold;

    private static ArgumentOutOfRangeException Bad(string name, object? value, string expected) =>
        new(name, value, string.Create(CultureInfo.InvariantCulture, $"PlanningConstraints.{name} must be {expected}; got {value}."));
}
