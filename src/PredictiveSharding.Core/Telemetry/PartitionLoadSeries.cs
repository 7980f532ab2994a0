using System.Globalization;
using PredictiveSharding.Topology;

namespace PredictiveSharding.Telemetry;

/// <summary>A partition's load over consecutive, equally long time buckets.</summary>
public sealed class PartitionLoadSeries
{
    /// <summary>Creates a series and checks that the buckets are consecutive.</summary>
    /// <param name="partition">The partition (or, for a trace, the series name as a partition id).</param>
    /// <param name="step">The bucket length; positive.</param>
    /// <param name="buckets">Buckets in time order, each starting one <paramref name="step"/> after the previous one; copied, so changing the list afterwards does not change the series.</param>
    /// <exception cref="ArgumentException">Buckets are unordered, duplicated or leave a gap, or one ends after the last representable time.</exception>
    public PartitionLoadSeries(PartitionId partition, TimeSpan step, IReadOnlyList<LoadBucket> buckets)
    {
        Guard.Positive(step, nameof(step));
        ArgumentNullException.ThrowIfNull(buckets);

        // Checked and kept as a copy: the caller's list could change after the checks.
        var copy = new LoadBucket[buckets.Count];
        for (var i = 0; i < copy.Length; i++)
        {
            copy[i] = buckets[i];
        }

        for (var i = 0; i < copy.Length; i++)
        {
            ArgumentNullException.ThrowIfNull(copy[i], nameof(buckets));

            // End, the next bucket's start and a forecast's origin all add a step to a start: past the last representable
            // time that threw DateTimeOffset's bare ArgumentOutOfRangeException, here or wherever End was read. Counted in
            // whole ticks on the later of the clock and UTC, as LoadForecast counts: a DateTimeOffset adds on its clock time.
            var start = copy[i].Start;
            if (step.Ticks > DateTime.MaxValue.Ticks - Math.Max(start.Ticks, start.UtcTicks))
            {
                throw new ArgumentException(
                    string.Create(CultureInfo.InvariantCulture, $"Series '{partition}': bucket {i} starts at {start:O} and, {step} long, ends after the last representable time."),
                    nameof(buckets));
            }

            if (i > 0 && copy[i].Start != copy[i - 1].Start + step)
            {
                var problem = copy[i].Start <= copy[i - 1].Start ? "out of order or duplicated" : "not consecutive (gap)";
                throw new ArgumentException(
                    string.Create(CultureInfo.InvariantCulture, $"Series '{partition}': bucket {i} starts at {copy[i].Start:O} after {copy[i - 1].Start:O}, which is {problem}; buckets must be {step} apart."),
                    nameof(buckets));
            }
        }

        Partition = partition;
        Step = step;
        Buckets = Array.AsReadOnly(copy);
    }

    /// <summary>The partition.</summary>
    public PartitionId Partition { get; }

    /// <summary>The bucket length.</summary>
    public TimeSpan Step { get; }

    /// <summary>The buckets in time order.</summary>
    public IReadOnlyList<LoadBucket> Buckets { get; }

    /// <summary>The number of buckets.</summary>
    public int Count => Buckets.Count;

    /// <summary>The first bucket's start; <see cref="DateTimeOffset.MinValue"/> when empty.</summary>
    public DateTimeOffset Start => Buckets.Count > 0 ? Buckets[0].Start : DateTimeOffset.MinValue;

    /// <summary>The end of the last bucket (exclusive).</summary>
    public DateTimeOffset End => Buckets.Count > 0 ? Buckets[^1].Start + Step : DateTimeOffset.MinValue;

    /// <summary>Request counts per bucket, as a new array.</summary>
    public double[] RequestValues()
    {
        var values = new double[Buckets.Count];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = Buckets[i].Requests;
        }

        return values;
    }
}
