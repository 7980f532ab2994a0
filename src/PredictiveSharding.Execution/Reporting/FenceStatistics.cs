namespace PredictiveSharding.Execution;

/// <summary>How long cut-overs held writes on the source: from the fence being granted to its release after publishing.</summary>
/// <param name="Count">Cut-overs measured.</param>
/// <param name="P50">The median hold time (zero when none).</param>
/// <param name="Max">The longest hold time (zero when none).</param>
public readonly record struct FenceStatistics(int Count, TimeSpan P50, TimeSpan Max)
{
    internal static FenceStatistics From(IReadOnlyCollection<TimeSpan> durations)
    {
        if (durations.Count == 0)
        {
            return default;
        }

        var sorted = durations.Order().ToArray();
        return new FenceStatistics(sorted.Length, sorted[(sorted.Length - 1) / 2], sorted[^1]);
    }
}
