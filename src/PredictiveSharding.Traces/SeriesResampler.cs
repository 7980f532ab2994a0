using System.Globalization;
using PredictiveSharding.Telemetry;

namespace PredictiveSharding.Traces;

/// <summary>Aggregates load series to a coarser step by summing buckets.</summary>
public static class SeriesResampler
{
    /// <summary>
    /// Sums each series' buckets into buckets of <paramref name="step"/>, aligned to whole multiples of the step since
    /// the Unix epoch. Reads, writes, bytes and requests per region are summed; distinct clients, which cannot be summed,
    /// are left at 0 (not identified). Incomplete groups at either end (fewer source buckets than the step holds) are
    /// dropped so that every output bucket covers its whole step. Returns the series unchanged when the step is theirs.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="step"/> is not a whole multiple of a series' step.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="series"/> or one of its entries is null (the message names its index).</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="step"/> is zero or negative.</exception>
    public static IReadOnlyList<PartitionLoadSeries> Resample(IReadOnlyList<PartitionLoadSeries> series, TimeSpan step)
    {
        ArgumentNullException.ThrowIfNull(series);
        if (step <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(step), step, "The step must be positive.");
        }

        var result = new List<PartitionLoadSeries>(series.Count);
        for (var i = 0; i < series.Count; i++)
        {
            // A null entry fell through to a NullReferenceException inside the resampling.
            result.Add(Resample(series[i] ?? throw new ArgumentNullException(nameof(series), string.Create(CultureInfo.InvariantCulture, $"Series {i} is null.")), step));
        }

        return result;
    }

    private static PartitionLoadSeries Resample(PartitionLoadSeries series, TimeSpan step)
    {
        if (series.Step == step)
        {
            return series;
        }

        if (step.Ticks % series.Step.Ticks != 0)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"Cannot resample series '{series.Partition}' from step {series.Step} to {step}: the new step must be a whole multiple of the old one."), nameof(step));
        }

        // In 64 bits: cast to int, 2^32 + 1 source steps per group became 1, and a single bucket passed as a whole group.
        var perGroup = step.Ticks / series.Step.Ticks;
        var groups = new SortedDictionary<long, (double Reads, double Writes, double BytesRead, double BytesWritten, int Count)>();
        var regions = new Dictionary<long, Dictionary<string, double>>();
        foreach (var bucket in series.Buckets)
        {
            var group = Math.DivRem(bucket.Start.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks, step.Ticks, out var remainder);
            if (remainder < 0)
            {
                group--;
            }

            var g = groups.GetValueOrDefault(group);
            groups[group] = (g.Reads + bucket.Reads, g.Writes + bucket.Writes, g.BytesRead + bucket.BytesRead, g.BytesWritten + bucket.BytesWritten, g.Count + 1);

            // Requests per region are summed like the requests (they were dropped, losing the region mix).
            if (bucket.RegionRequests.Count > 0)
            {
                if (!regions.TryGetValue(group, out var sums))
                {
                    regions[group] = sums = new Dictionary<string, double>(StringComparer.Ordinal);
                }

                foreach (var (region, count) in bucket.RegionRequests)
                {
                    sums[region] = sums.GetValueOrDefault(region) + count;
                }
            }
        }

        var buckets = groups
            .Where(g => g.Value.Count == perGroup)
            .Select(g =>
            {
                var bucket = new LoadBucket(DateTimeOffset.UnixEpoch + (step * g.Key), g.Value.Reads, g.Value.Writes, g.Value.BytesRead, g.Value.BytesWritten);
                return regions.TryGetValue(g.Key, out var sums) ? bucket with { RegionRequests = sums } : bucket;
            })
            .ToList();
        return new PartitionLoadSeries(series.Partition, step, buckets);
    }
}
