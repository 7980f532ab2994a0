using PredictiveSharding.Topology;

namespace PredictiveSharding.Forecasting.Features;

/// <summary>
/// Forgetting what a baseline holds for partitions that have left, as the LSTM's adaptive calibration forgets their
/// last forecasts: histories move forward, so a partition absent from an update whose data ends at or before the start
/// of every series in it can no longer be continued (it split, merged or moved away; were its id to come back, it would
/// come back after a gap and start again from its new data anyway). Kept, every partition id a store ever had stayed in
/// the state for good, and a store whose splits make new ids all the time grew it without bound.
/// </summary>
internal static class DepartedPartitions
{
    /// <summary>Removes from <paramref name="state"/> each partition <paramref name="recent"/> lacks whose data (<paramref name="end"/>) ends at or before the earliest start in <paramref name="recent"/>.</summary>
    public static void Forget<T>(Dictionary<PartitionId, T> state, LoadHistory recent, Func<T, DateTimeOffset> end)
    {
        var earliest = DateTimeOffset.MaxValue;
        foreach (var series in recent.Series)
        {
            if (series.Count > 0 && series.Start < earliest)
            {
                earliest = series.Start;
            }
        }

        if (earliest == DateTimeOffset.MaxValue)
        {
            return;
        }

        List<PartitionId>? departed = null;
        foreach (var (partition, held) in state)
        {
            if (end(held) <= earliest && !recent.Contains(partition))
            {
                (departed ??= []).Add(partition);
            }
        }

        foreach (var partition in departed ?? [])
        {
            state.Remove(partition);
        }
    }
}
