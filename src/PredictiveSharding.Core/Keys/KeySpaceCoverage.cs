namespace PredictiveSharding.Keys;

/// <summary>Checks that ranges sorted by start cover the key space exactly once.</summary>
internal static class KeySpaceCoverage
{
    public static void Check<T>(IReadOnlyList<T> sortedByStart, Func<T, KeyRange> range, Func<T, string> name, string parameter)
    {
        if (sortedByStart.Count == 0)
        {
            throw new ArgumentException("At least one range is needed to cover the key space.", parameter);
        }

        var first = range(sortedByStart[0]);
        if (!first.Start.IsEmpty)
        {
            throw new ArgumentException($"The key space must start at the empty key, but the first range '{name(sortedByStart[0])}' starts at '{first.Start}' (gap before it).", parameter);
        }

        for (var i = 1; i < sortedByStart.Count; i++)
        {
            var previous = range(sortedByStart[i - 1]);
            var current = range(sortedByStart[i]);
            if (previous.End is not { } end)
            {
                throw new ArgumentException($"Range '{name(sortedByStart[i - 1])}' {previous} runs to the end of the key space and overlaps '{name(sortedByStart[i])}' {current}.", parameter);
            }

            var order = end.CompareTo(current.Start);
            if (order > 0)
            {
                throw new ArgumentException($"Ranges '{name(sortedByStart[i - 1])}' {previous} and '{name(sortedByStart[i])}' {current} overlap.", parameter);
            }

            if (order < 0)
            {
                throw new ArgumentException($"Gap between range '{name(sortedByStart[i - 1])}' {previous} and '{name(sortedByStart[i])}' {current}: keys from '{end}' to '{current.Start}' have no owner.", parameter);
            }
        }

        var last = sortedByStart[^1];
        if (!range(last).IsUnbounded)
        {
            throw new ArgumentException($"The last range '{name(last)}' {range(last)} must run to the end of the key space (gap after it).", parameter);
        }
    }
}
