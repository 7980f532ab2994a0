using System.Collections.ObjectModel;

namespace PredictiveSharding.Telemetry;

/// <summary>The load one partition saw in one time bucket.</summary>
public sealed record LoadBucket
{
    private readonly IReadOnlyDictionary<string, double> _regionRequests = EmptyRegions;

    /// <summary>Creates a bucket with reads and writes.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A value is negative, NaN or infinite.</exception>
    public LoadBucket(DateTimeOffset start, double reads, double writes, double bytesRead = 0, double bytesWritten = 0, double distinctClients = 0)
    {
        Guard.FiniteNonNegative(reads, nameof(reads));
        Guard.FiniteNonNegative(writes, nameof(writes));
        Guard.FiniteNonNegative(bytesRead, nameof(bytesRead));
        Guard.FiniteNonNegative(bytesWritten, nameof(bytesWritten));
        Guard.FiniteNonNegative(distinctClients, nameof(distinctClients));
        Start = start;
        Reads = reads;
        Writes = writes;
        BytesRead = bytesRead;
        BytesWritten = bytesWritten;
        DistinctClients = distinctClients;
    }

    // Read-only: every bucket without regions shares it, so a cast back to a Dictionary must not reach it.
    private static readonly IReadOnlyDictionary<string, double> EmptyRegions = ReadOnlyDictionary<string, double>.Empty;

    /// <summary>A bucket that only knows a request count (as read from a trace).</summary>
    public static LoadBucket OfRequests(DateTimeOffset start, double requests) => new(start, requests, 0);

    /// <summary>The bucket's start.</summary>
    public DateTimeOffset Start { get; }

    /// <summary>All requests: reads plus writes.</summary>
    public double Requests => Reads + Writes;

    /// <summary>Read requests.</summary>
    public double Reads { get; }

    /// <summary>Write requests.</summary>
    public double Writes { get; }

    /// <summary>Bytes returned by reads.</summary>
    public double BytesRead { get; }

    /// <summary>Bytes written.</summary>
    public double BytesWritten { get; }

    /// <summary>Estimated number of distinct clients (0 when clients were not identified).</summary>
    public double DistinctClients { get; }

    /// <summary>Requests per client region; empty when regions were not recorded. The dictionary given is copied (keeping a <see cref="Dictionary{TKey, TValue}"/>'s comparer), so changing it afterwards does not change the bucket.</summary>
    public IReadOnlyDictionary<string, double> RegionRequests
    {
        get => _regionRequests;
        init
        {
            ArgumentNullException.ThrowIfNull(value);
            if (value.Count == 0)
            {
                // The recorder gives every bucket a region map, mostly empty: no copy and wrapper per bucket for that.
                _regionRequests = EmptyRegions;
                return;
            }

            // Checked and kept as a copy: the caller's dictionary could change after the checks. The copy looks regions up
            // as the caller's dictionary did (a case-insensitive one stays so).
            var copy = new Dictionary<string, double>(value.Count, (value as Dictionary<string, double>)?.Comparer);
            foreach (var (region, count) in value)
            {
                Guard.FiniteNonNegative(count, "RegionRequests[" + region + "]");
                copy.Add(region, count);
            }

            _regionRequests = new ReadOnlyDictionary<string, double>(copy);
        }
    }

    /// <summary>True when <paramref name="other"/> has the same start and figures, and the same requests per region.</summary>
    /// <remarks>
    /// The regions compare by content (each looked up in the other bucket's dictionary): a record compares a dictionary by
    /// reference, and every bucket the recorder harvests with regions has its own, so a bucket was unequal to one with the
    /// very same figures.
    /// </remarks>
    public bool Equals(LoadBucket? other) =>
        ReferenceEquals(this, other)
        || (other is not null
            && Start.Equals(other.Start)
            && Reads.Equals(other.Reads)
            && Writes.Equals(other.Writes)
            && BytesRead.Equals(other.BytesRead)
            && BytesWritten.Equals(other.BytesWritten)
            && DistinctClients.Equals(other.DistinctClients)
            && SameRegions(_regionRequests, other._regionRequests));

    /// <inheritdoc />
    public override int GetHashCode()
    {
        // The regions by their count and the values alone, combined in no order: equal buckets may hold their regions in
        // another order, or under keys their dictionaries' comparers take for the same (e.g. "EU" and "eu").
        var regions = _regionRequests.Count;
        foreach (var count in _regionRequests.Values)
        {
            regions ^= count.GetHashCode();
        }

        return HashCode.Combine(Start, Reads, Writes, BytesRead, BytesWritten, DistinctClients, regions);
    }

    private static bool SameRegions(IReadOnlyDictionary<string, double> a, IReadOnlyDictionary<string, double> b)
    {
        if (ReferenceEquals(a, b))
        {
            return true;
        }

        if (a.Count != b.Count)
        {
            return false;
        }

        foreach (var (region, count) in a)
        {
            if (!b.TryGetValue(region, out var other) || !count.Equals(other))
            {
                return false;
            }
        }

        foreach (var region in b.Keys)
        {
            if (!a.ContainsKey(region))
            {
                return false;
            }
        }

        return true;
    }
}
