namespace PredictiveSharding.Planning.Placement;

/// <summary>
/// What a move costs the cluster while it runs: for each shard, the horizon steps its copy would take at the configured
/// bandwidth, and the share of its load added to both ends meanwhile (GeneticPlannerOptions.MoveOverheadShare).
/// </summary>
/// <param name="Steps">Per shard, the steps its move would take (at least 1 for a shard with bytes, at most the horizon).</param>
/// <param name="OverheadShare">Share of a moving shard's load added to its old and its new node during the copy; positive.</param>
internal sealed record MoveTransient(int[] Steps, double OverheadShare);
